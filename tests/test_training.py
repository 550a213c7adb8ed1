"""ganlab.training.GAN: argument and data checks, determinism, k discriminator steps, callbacks, learning."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import ganlab
from ganlab import data, metrics
from ganlab.models import mlp_generator
from ganlab.training import GAN

# -- building ------------------------------------------------------------------------------------------


def toy_models(sample_dim=1, logits=1):
    generator = mlp_generator(2, (sample_dim,), (4,), output_activation=None, batch_norm=False)
    inputs = keras.Input((sample_dim,))
    discriminator = keras.Model(inputs, keras.layers.Dense(logits)(inputs))
    return generator, discriminator


@pytest.mark.bad_input
@pytest.mark.parametrize("make, error, match", [
    (lambda g, d: GAN(lambda z: z, d), TypeError, "generator must be a keras.Model"),
    (lambda g, d: GAN(keras.layers.Dense(1), d), TypeError, "generator must be a keras.Model"),
    (lambda g, d: GAN(g, "discriminator"), TypeError, "discriminator must be a keras.Model"),
    (lambda g, d: GAN(g, toy_models(sample_dim=2)[1]), ValueError,
     r"generator makes samples of shape \(1,\) but discriminator expects \(2,\)"),
    (lambda g, d: GAN(g, toy_models(logits=2)[1]), ValueError,
     r"discriminator must output one logit per sample, shape \(batch, 1\)"),
    (lambda g, d: GAN(g, d, discriminator_steps=0), ValueError, "discriminator_steps must be at least 1"),
    (lambda g, d: GAN(g, d, discriminator_steps=1.5), TypeError, "discriminator_steps must be an integer"),
    (lambda g, d: GAN(g, d, generator_loss="wasserstein"), ValueError,
     "generator_loss must be one of 'non_saturating', 'minimax'"),
], ids=["generator-lambda", "generator-layer", "discriminator-str", "shape-mismatch", "two-logits",
        "k-0", "k-float", "loss-name"])
def test_construction_bad_inputs(make, error, match):
    generator, discriminator = toy_models()
    with pytest.raises(error, match=match):
        make(generator, discriminator)


def test_generator_with_two_inputs_is_refused():
    a, b = keras.Input((2,)), keras.Input((2,))
    generator = keras.Model([a, b], keras.layers.Dense(1)(keras.layers.Concatenate()([a, b])))
    with pytest.raises(ValueError, match="generator must take one noise input"):
        GAN(generator, toy_models()[1])


def test_construction_records_shapes(make_gan):
    gan = make_gan(latent_dim=3, compile=False)
    assert gan.latent_dim == 3 and gan.sample_shape == (1,)
    assert gan.generator_loss_fn is ganlab.losses.non_saturating_generator_loss
    assert make_gan(generator_loss="minimax", compile=False).generator_loss_fn is ganlab.losses.minimax_generator_loss
    custom = lambda logits: tf.reduce_mean(logits)  # noqa: E731
    assert make_gan(generator_loss=custom, compile=False).generator_loss_fn is custom


@pytest.mark.bad_input
@pytest.mark.parametrize("optimizers, error, match", [
    ("same", ValueError, "generator_optimizer and discriminator_optimizer must be two different optimizer objects"),
    ((keras.optimizers.Adam, -1e-3), ValueError, r"generator_optimizer has learning rate -0.001.*must be > 0"),
    ((keras.optimizers.SGD, 0.0), ValueError, "generator_optimizer has learning rate 0.0"),
    ("strings", TypeError, "generator_optimizer must be a keras.optimizers.Optimizer"),
], ids=["same-object", "negative-lr", "zero-lr", "string"])
def test_compile_bad_inputs(make_gan, optimizers, error, match):
    gan = make_gan(compile=False)
    if optimizers == "same":
        shared = keras.optimizers.Adam(1e-3)
        args = (shared, shared)
    elif optimizers == "strings":
        args = ("adam", "adam")
    else:
        kind, rate = optimizers
        args = (kind(learning_rate=rate), keras.optimizers.Adam(1e-3))
    with pytest.raises(error, match=match):
        gan.compile(*args)


@pytest.mark.bad_input
def test_negative_discriminator_learning_rate(make_gan):
    with pytest.raises(ValueError, match="discriminator_optimizer has learning rate -0.5"):
        make_gan(compile=False).compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(-0.5))


# -- fit's checks -------------------------------------------------------------------------------------

@pytest.mark.bad_input
def test_fit_before_compile(make_gan, toy_dataset):
    with pytest.raises(RuntimeError, match=r"Call gan.compile\(...\) before gan.fit"):
        make_gan(compile=False).fit(toy_dataset(), verbose=0)


def batched(array, batch_size=8):
    return tf.data.Dataset.from_tensor_slices(array).batch(batch_size, drop_remainder=True)


@pytest.mark.bad_input
@pytest.mark.parametrize("make_x, kwargs, error, match", [
    (lambda: np.zeros((32, 1), np.float32), {}, TypeError, r"x must be a tf.data.Dataset.*got ndarray"),
    (lambda: batched(np.zeros((32, 2), np.float32)), {}, ValueError,
     r"x yields samples of shape \(8, 2\) but the networks expect \(batch, 1\)"),
    (lambda: tf.data.Dataset.from_tensor_slices(np.zeros((32, 1), np.float32)), {}, ValueError,
     r"x yields samples of shape \(1,\).*batch it"),
    (lambda: batched(np.zeros((32, 1), np.int32)), {}, TypeError, "x yields samples of dtype int32; convert to float32"),
    (lambda: batched(np.full((32, 1), np.nan, np.float32)), {}, ValueError, "x holds NaN or infinite samples"),
    (lambda: batched(np.full((32, 1), np.inf, np.float32)), {}, ValueError, "x holds NaN or infinite samples"),
    (lambda: batched(np.zeros((32, 1), np.float32)).take(0), {}, ValueError, "x is empty"),
    (lambda: batched(np.zeros((32, 1), np.float32)), {"y": np.zeros(32)}, ValueError, "y must be None"),
    (lambda: batched(np.zeros((32, 1), np.float32)), {"epochs": 0}, ValueError, "epochs must be at least 1"),
    (lambda: tf.data.Dataset.from_tensor_slices({"x": np.zeros((32, 1), np.float32)}).batch(8), {}, TypeError,
     "x must yield \\(samples\\) batches"),
], ids=["numpy-array", "wrong-shape", "unbatched", "int-dtype", "nan", "inf", "empty", "y-given", "epochs-0",
        "dict-elements"])
def test_fit_bad_inputs(make_gan, make_x, kwargs, error, match):
    gan = make_gan()
    with pytest.raises(error, match=match):
        gan.fit(make_x(), verbose=0, **kwargs)
    assert int(gan.step_counter.numpy()) == 0  # refused before any step


@pytest.mark.bad_input
def test_fit_refuses_pixels_0_255_for_a_tanh_generator(image_models):
    gan = GAN(*image_models, seed=0)
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    pixels = np.random.default_rng(0).integers(0, 256, size=(16, 28, 28, 1)).astype(np.float32)
    with pytest.raises(ValueError, match=r"samples in \[0, 255\].*Scale images to \[-1, 1\]"):
        gan.fit(data.array_dataset(pixels, batch_size=8), verbose=0)
    # the same images scaled to [-1, 1] are accepted
    gan.check_dataset(data.array_dataset(pixels / 127.5 - 1, batch_size=8))


@pytest.mark.bad_input
def test_fit_refuses_batches_smaller_than_k(make_gan):
    with pytest.raises(ValueError, match="batch size 2 is smaller than discriminator_steps=3"):
        make_gan(discriminator_steps=3).fit(batched(np.zeros((8, 1), np.float32), batch_size=2), verbose=0)


@pytest.mark.bad_input
def test_seed_bad_inputs():
    with pytest.raises(ValueError, match="value must be at least 0"):
        ganlab.seed(-1)
    with pytest.raises(TypeError, match="value must be an integer"):
        ganlab.seed(1.5)


# -- determinism ----------------------------------------------------------------------------------------

def short_run(make_gan, toy_dataset, seed):
    ganlab.seed(seed)
    gan = make_gan(seed=None)  # the noise seed too comes from ganlab.seed
    history = gan.fit(toy_dataset(batches=6, seed=seed), epochs=2, verbose=0)
    return history.history, gan.get_weights()


def test_seed_makes_runs_repeat_exactly(make_gan, toy_dataset):
    runs = [short_run(make_gan, toy_dataset, seed=11) for _ in range(3)]  # twice in a row: all three agree
    first_history, first_weights = runs[0]
    assert set(first_history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert len(first_history["d_loss"]) == 2
    for history, weights in runs[1:]:
        assert history == first_history
        assert all(np.array_equal(a, b) for a, b in zip(weights, first_weights))
    other_history, _ = short_run(make_gan, toy_dataset, seed=12)
    assert other_history != first_history


def test_two_epochs_equal_one_plus_one_resumed(make_gan, toy_dataset):
    """The data order and the noise are keyed on (seed, epoch, step): a resumed run repeats an unbroken one."""
    ganlab.seed(3)
    straight = make_gan(seed=5)
    initial = straight.get_weights()
    straight.fit(toy_dataset(batches=4), epochs=2, verbose=0)

    resumed = make_gan(seed=5)
    resumed.set_weights(initial)
    resumed.fit(toy_dataset(batches=4), epochs=1, verbose=0)
    resumed.fit(toy_dataset(batches=4), initial_epoch=1, epochs=2, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# -- k discriminator steps, metrics ----------------------------------------------------------------------

def test_k_discriminator_steps(make_gan, toy_dataset):
    gan = make_gan(discriminator_steps=3, seed=1)
    history = gan.fit(toy_dataset(batches=5, batch_size=12), epochs=1, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    for name, values in history.items():
        assert len(values) == 1 and np.isfinite(values[0]), name
    assert 0 < history["d_real"][0] < 1 and 0 < history["d_fake"][0] < 1
    # three D updates for each G update
    assert int(gan.discriminator_optimizer.iterations.numpy()) == 15
    assert int(gan.generator_optimizer.iterations.numpy()) == 5
    assert int(gan.step_counter.numpy()) == 5


def test_noise_is_keyed_on_step_and_draw(make_gan):
    gan = make_gan(latent_dim=3, seed=4)
    first, again = gan.noise(5, draw=0).numpy(), gan.noise(5, draw=0).numpy()
    np.testing.assert_array_equal(first, again)
    assert first.shape == (5, 3)
    assert not np.array_equal(first, gan.noise(5, draw=1).numpy())
    gan.step_counter.assign_add(1)
    assert not np.array_equal(first, gan.noise(5, draw=0).numpy())


# -- using a trained model ----------------------------------------------------------------------------------

def test_sample_is_repeatable_and_shaped(make_gan):
    gan = make_gan(latent_dim=3)
    a, b = gan.sample(50, seed=7), gan.sample(50, seed=7)
    assert a.shape == (50, 1) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, gan.sample(50, seed=8))
    # Batching draws the same noise; the matrix kernels may sum in another order for another batch shape, so the
    # samples agree to rounding, not necessarily bit for bit.
    np.testing.assert_allclose(gan.sample(50, seed=7, batch_size=16), a, rtol=1e-5, atol=1e-6)
    assert gan.fixed_noise(50, seed=7).shape == (50, 3)


def test_sample_image_shape(image_models):
    assert GAN(*image_models, seed=0).sample(3, seed=0).shape == (3, 28, 28, 1)


def test_discriminate_gives_probabilities(make_gan):
    gan = make_gan()
    x = np.linspace(-3, 3, 21)
    probabilities = gan.discriminate(x)
    assert probabilities.shape == (21,)
    assert np.all((probabilities > 0) & (probabilities < 1))
    np.testing.assert_allclose(gan.discriminate(x[:, None], batch_size=4), probabilities, rtol=1e-6)
    logits = gan.discriminator(x[:, None].astype(np.float32)).numpy()[:, 0]
    np.testing.assert_allclose(probabilities, 1 / (1 + np.exp(-logits.astype(np.float64))), rtol=1e-6)


@pytest.mark.bad_input
def test_sample_and_discriminate_bad_inputs(make_gan):
    gan = make_gan()
    with pytest.raises(ValueError, match="n must be at least 1"):
        gan.sample(0)
    with pytest.raises(TypeError, match="n must be an integer"):
        gan.sample(2.5)
    with pytest.raises(ValueError, match=r"x must have shape \(n, 1\), got \(4, 2\)"):
        gan.discriminate(np.zeros((4, 2)))


# -- callbacks ---------------------------------------------------------------------------------------------

def test_history_and_checkpoint_callbacks(make_gan, toy_dataset, tmp_path):
    gan = make_gan(seed=2)
    path = tmp_path / "gan.weights.h5"
    history = keras.callbacks.History()
    gan.fit(toy_dataset(batches=4), epochs=2, verbose=0,
            callbacks=[history, keras.callbacks.ModelCheckpoint(str(path), save_weights_only=True)])
    assert history.epoch == [0, 1] and len(history.history["g_loss"]) == 2
    assert path.is_file()
    trained = gan.get_weights()

    fresh = make_gan(seed=2)
    assert not all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), trained))
    fresh.load_weights(str(path))
    assert all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), trained))
    assert int(fresh.step_counter.numpy()) == 8  # the step counter is saved with the weights


def test_tensorboard_callback(make_gan, toy_dataset, tmp_path):
    pytest.importorskip("tensorboard", reason="TensorBoard is not installed (it is not a ganlab dependency)")
    log_dir = tmp_path / "logs"
    make_gan().fit(toy_dataset(batches=4), epochs=1, verbose=0,
                   callbacks=[keras.callbacks.TensorBoard(log_dir=str(log_dir))])
    assert list((log_dir / "train").glob("events.out.tfevents.*"))


# -- learning -------------------------------------------------------------------------------------------------

def test_short_toy_run_moves_towards_the_data(make_gan, toy_mixture):
    ganlab.seed(0)
    gan = make_gan(latent_dim=4, hidden=(16, 16), lr=2e-3, seed=0)
    reference = toy_mixture.sample(2000, seed=123)
    before = metrics.wasserstein_1d(gan.sample(2000, seed=1), reference)
    history = gan.fit(toy_mixture.dataset(batch_size=64, n_samples=64 * 100, seed=0), epochs=2, verbose=0).history
    samples = gan.sample(2000, seed=1)
    after = metrics.wasserstein_1d(samples, reference)
    assert before > 0.5  # the untrained generator is far from the data (centred on 1.5)
    assert after < 0.5 * before and after < 0.3
    assert abs(samples.mean() - 1.5) < 0.3
    # D can hardly tell the data from the samples any more: D(real) is near 1/2 where the data lives
    assert metrics.distance_from_half(gan, toy_mixture) < 0.1
    assert abs(history["d_real"][-1] - 0.5) < 0.1


def test_xla_is_off_by_default_on_a_cpu_only_machine():
    from ganlab import models
    from ganlab.training import GAN

    gan = GAN(models.mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(4,), output_activation=None),
              models.mlp_discriminator(input_shape=(2,), hidden_units=(4,), dropout=0.0))
    gan.compile()
    assert gan.jit_compile is False
