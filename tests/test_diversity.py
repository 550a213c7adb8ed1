"""Packing (PacGAN) and the minibatch standard deviation: shapes, exact values, and training through them."""
import keras
import numpy as np
import tensorflow as tf
import pytest

import ganlab
from ganlab import data, models
from ganlab.models.diversity import PackSamples, RepeatLogits
from ganlab.training import GAN, WGAN


def test_pack_puts_consecutive_samples_side_by_side():
    points = np.arange(12, dtype=np.float32).reshape(6, 2)  # six 2-D points
    packed = keras.ops.convert_to_numpy(PackSamples(3)(points))
    assert packed.tolist() == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]


def test_pack_concatenates_images_along_channels():
    images = np.random.default_rng(0).normal(size=(4, 5, 5, 1)).astype(np.float32)
    packed = keras.ops.convert_to_numpy(PackSamples(2)(images))
    assert packed.shape == (2, 5, 5, 2)
    assert np.array_equal(packed[1, ..., 0], images[2, ..., 0]) and np.array_equal(packed[1, ..., 1], images[3, ..., 0])


def test_repeat_logits_gives_each_sample_its_packs_logit():
    logits = np.array([[1.0], [2.0]], np.float32)
    assert keras.ops.convert_to_numpy(RepeatLogits(3)(logits)).ravel().tolist() == [1, 1, 1, 2, 2, 2]


def test_packed_discriminator_judges_whole_packs():
    ganlab.seed(0)
    inner = models.mlp_discriminator(input_shape=(8,), hidden_units=(16,), dropout=0)
    judge = models.packed(inner, 4)
    assert judge.input_shape == (None, 2) and judge.output_shape == (None, 1)
    points = np.random.default_rng(1).normal(size=(8, 2)).astype(np.float32)
    logits = keras.ops.convert_to_numpy(judge(points))
    expected = keras.ops.convert_to_numpy(inner(points.reshape(2, 8)))
    assert np.allclose(logits.ravel(), np.repeat(expected.ravel(), 4), atol=1e-6)


def test_a_packed_gan_and_wgan_train_on_the_ring():
    ganlab.seed(0)
    ring = data.ring()
    for cls, kwargs in ((GAN, {}), (WGAN, {"critic_steps": 2})):
        generator = models.mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(16,), output_activation=None)
        judge = models.packed(models.mlp_discriminator(input_shape=(4,), hidden_units=(16,), dropout=0), 2)
        gan = cls(generator, judge, **kwargs)
        gan.compile()
        history = gan.fit(ring.dataset(batch_size=64, n_samples=640), epochs=1, verbose=0)
        assert all(np.isfinite(v[-1]) for v in history.history.values())


@pytest.mark.bad_input
def test_the_pack_size_survives_cloning_and_saving(tmp_path):
    """R1 needs the pack size; it is read from the model's layers, so a clone or a loaded copy keeps it."""
    from ganlab import losses

    judge = models.packed(models.mlp_discriminator(input_shape=(8,), hidden_units=(4,), dropout=0), 4)
    clone = keras.models.clone_model(judge)
    clone.set_weights(judge.get_weights())
    judge.save(tmp_path / "judge.keras")
    loaded = keras.saving.load_model(tmp_path / "judge.keras", compile=False)
    assert models.pack_size(judge) == models.pack_size(clone) == models.pack_size(loaded) == 4
    assert models.pack_size(models.mlp_discriminator(input_shape=(2,), hidden_units=(4,))) == 1
    real = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    penalty = float(losses.r1_penalty(judge, real, 1.0))
    assert float(losses.r1_penalty(loaded, real, 1.0)) == pytest.approx(penalty, rel=1e-5)
    assert penalty > 0


def test_packed_refuses_an_inner_model_of_the_wrong_width():
    with pytest.raises(ValueError, match=r"does not divide by pack=4"):
        models.packed(models.mlp_discriminator(input_shape=(6,), hidden_units=(4,)), 4)
    with pytest.raises(ValueError, match="pack"):
        models.packed(models.mlp_discriminator(input_shape=(8,), hidden_units=(4,)), 0)
    with pytest.raises(TypeError, match="inner must be a keras.Model"):
        models.packed("discriminator", 2)


@pytest.mark.bad_input
def test_packed_refuses_a_batch_that_does_not_divide():
    judge = models.packed(models.mlp_discriminator(input_shape=(8,), hidden_units=(4,), dropout=0), 4)
    with pytest.raises(Exception, match="multiple of pack=4"):
        judge(np.zeros((6, 2), np.float32))


def test_minibatch_std_appends_the_average_standard_deviation():
    x = np.array([[0.0, 0.0], [2.0, 4.0]], np.float32)  # per-feature std over the batch: 1 and 2
    out = keras.ops.convert_to_numpy(models.MinibatchStdDev()(x))
    assert out.shape == (2, 3)
    assert np.allclose(out[:, 2], 1.5, atol=1e-4) and np.array_equal(out[:, :2], x)


def test_minibatch_std_tells_a_collapsed_batch_from_a_varied_one():
    rng = np.random.default_rng(0)
    varied = rng.normal(size=(16, 4, 4, 3)).astype(np.float32)
    collapsed = np.repeat(varied[:1], 16, axis=0)
    layer = models.MinibatchStdDev()
    assert keras.ops.convert_to_numpy(layer(collapsed))[0, 0, 0, 3] < 1e-3
    assert keras.ops.convert_to_numpy(layer(varied))[0, 0, 0, 3] > 0.5


@pytest.mark.parametrize("build", [
    lambda: models.mlp_discriminator(input_shape=(2,), hidden_units=(8,), minibatch_std=True),
    lambda: models.dcgan_discriminator(minibatch_std=True),
    lambda: models.dcgan_critic(minibatch_std=True),
], ids=["mlp", "dcgan", "critic"])
def test_builders_add_the_minibatch_std_layer(build):
    model = build()
    assert any(isinstance(layer, models.MinibatchStdDev) for layer in model.layers)
    assert model.output_shape == (None, 1)


# -- unrolled discriminator steps ----------------------------------------------------------------------------

def toy_pair(seed=0):
    ganlab.seed(seed)
    generator = models.mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(16,), output_activation=None,
                                     batch_norm=False)
    return generator, models.mlp_discriminator(input_shape=(2,), hidden_units=(16,), dropout=0)


def weights_after_one_epoch(cls, **kwargs):
    generator, discriminator = toy_pair()
    gan = cls(generator, discriminator, seed=3, **kwargs)
    gan.compile()
    gan.fit(data.ring().dataset(batch_size=32, n_samples=128), epochs=1, verbose=0)
    return [v.numpy() for v in generator.weights + discriminator.weights]


def test_unrolling_zero_steps_is_a_plain_gan():
    from ganlab.training import UnrolledGAN

    plain, unrolled = weights_after_one_epoch(GAN), weights_after_one_epoch(UnrolledGAN, unroll_steps=0)
    assert all(np.array_equal(a, b) for a, b in zip(plain, unrolled))


def test_unrolling_changes_the_generator_not_the_discriminator_update():
    from ganlab.training import UnrolledGAN

    generator, discriminator = toy_pair()
    gan = UnrolledGAN(generator, discriminator, unroll_steps=3, seed=3)
    gan.compile()
    real = data.ring().sample(32, seed=0)
    gan.discriminator_step(gan.unpack(real))
    before = [v.numpy() for v in discriminator.weights]
    g_before = [v.numpy() for v in generator.weights]
    loss = gan.generator_step(gan.unpack(tf.constant(real)))["g_loss"]
    assert np.isfinite(float(loss))
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(before, discriminator.weights))  # the look-ahead is virtual
    assert not all(np.array_equal(a, v.numpy()) for a, v in zip(g_before, generator.weights))


def test_the_generator_gradient_flows_through_the_unrolled_updates():
    # With a look-ahead the generator's step differs from a plain GAN's from the same state.
    from ganlab.training import UnrolledGAN

    plain, unrolled = weights_after_one_epoch(GAN), weights_after_one_epoch(UnrolledGAN, unroll_steps=2)
    assert not all(np.allclose(a, b) for a, b in zip(plain, unrolled))


@pytest.mark.bad_input
def test_unrolled_gan_refuses_bad_settings():
    from ganlab.training import UnrolledGAN

    generator, discriminator = toy_pair()
    with pytest.raises(ValueError, match="unroll_steps must be at least 0"):
        UnrolledGAN(generator, discriminator, unroll_steps=-1)
    with pytest.raises(ValueError, match="unroll_learning_rate"):
        UnrolledGAN(generator, discriminator, unroll_learning_rate=0)
