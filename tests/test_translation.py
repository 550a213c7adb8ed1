"""pix2pix (ganlab.training.pix2pix), its networks, the paired tasks, PSNR/SSIM and the fake detector."""
import math

import keras
import numpy as np
import pytest

import ganlab
from ganlab import data, metrics, models
from ganlab.experiments import detection
from ganlab.training import GAN
from ganlab.training import Pix2Pix
from ganlab.losses import l1_distance, patch_discriminator_loss, pix2pix_generator_loss

SHAPE = (8, 8, 1)


def tiny(gan_weight=1.0, l1_weight=100.0, seed=0, condition_shape=SHAPE, **kwargs):
    generator = models.unet_generator(condition_shape, width=4)
    discriminator = models.patchgan_discriminator(condition_shape, (8, 8, 1), width=4)
    model = Pix2Pix(generator, discriminator, l1_weight=l1_weight, gan_weight=gan_weight, seed=seed, **kwargs)
    model.compile()
    return model


def pairs(n=32, batch_size=8, seed=0, channels=1):
    rng = np.random.default_rng(seed)
    targets = np.tanh(rng.normal(0, 1, (n, 8, 8, 1))).astype(np.float32)
    conditions = np.clip(targets[..., :1] + 0.3 * rng.normal(0, 1, (n, 8, 8, 1)), -1, 1).astype(np.float32)
    if channels == 2:
        conditions = np.concatenate([conditions, -np.ones_like(conditions)], axis=-1)
    return data.array_dataset(conditions, batch_size, seed=seed, labels=targets)


# -- networks -----------------------------------------------------------------------------------------------

def test_unet_and_patchgan_shapes():
    generator = models.unet_generator((28, 28, 2))
    assert generator.input_shape == (None, 28, 28, 2) and generator.output_shape == (None, 28, 28, 1)
    discriminator = models.patchgan_discriminator((28, 28, 2), (28, 28, 1))
    assert discriminator.output_shape == (None, 7, 7, 1)
    out = generator(np.zeros((3, 28, 28, 2), np.float32))
    assert out.shape == (3, 28, 28, 1) and float(keras.ops.max(keras.ops.abs(out))) <= 1.0


def test_skip_connections_reach_the_decoder():
    with_skips = models.unet_generator(width=8)
    without = models.unet_generator(width=8, skips=False)
    names = [layer.name for layer in with_skips.layers]
    assert "skip_0" in names and "skip_1" in names
    assert not any(layer.name.startswith("skip") for layer in without.layers)
    assert with_skips.count_params() > without.count_params()  # the last convolutions see the concatenated channels


@pytest.mark.bad_input
@pytest.mark.parametrize("build, match", [
    (lambda: models.unet_generator((30, 30, 1)), "multiple of 4"),
    (lambda: models.unet_generator((28, 28, 1), width=0), "width"),
    (lambda: models.patchgan_discriminator((28, 28, 1), (14, 14, 1)), "same height"),
    (lambda: models.patchgan_discriminator((28, 28, 1), (28, 28, 1), downsamplings=3), "downsamplings"),
], ids=["size", "width", "mismatch", "downsamplings"])
def test_builders_name_the_bad_argument(build, match):
    with pytest.raises(ValueError, match=match):
        build()


@pytest.mark.bad_input
def test_pix2pix_refuses_noise_generators_and_single_input_discriminators():
    with pytest.raises(ValueError, match="one image input"):
        Pix2Pix(models.dcgan_generator(), models.patchgan_discriminator())
    with pytest.raises(ValueError, match="two inputs"):
        Pix2Pix(models.unet_generator(), models.dcgan_discriminator())
    with pytest.raises(ValueError, match="both 0"):
        Pix2Pix(models.unet_generator(), models.patchgan_discriminator(), l1_weight=0, gan_weight=0)
    with pytest.raises(ValueError, match="gan_weight must be 1"):
        Pix2Pix(models.unet_generator(), models.patchgan_discriminator(), gan_weight=0,
                generator_loss=pix2pix_generator_loss)
    # The plain GAN still checks its own networks the way it did.
    with pytest.raises(ValueError, match="one noise input"):
        GAN(models.unet_generator(), models.dcgan_discriminator())


# -- losses ---------------------------------------------------------------------------------------------------

def test_losses_on_known_values():
    zeros = np.zeros((2, 7, 7, 1), np.float32)
    assert math.isclose(float(patch_discriminator_loss(zeros, zeros)), 2 * math.log(2), rel_tol=1e-6)
    a, b = np.full((2, 4, 4, 1), 0.5, np.float32), np.full((2, 4, 4, 1), -0.25, np.float32)
    assert math.isclose(float(l1_distance(a, b)), 0.75, rel_tol=1e-6)
    assert math.isclose(float(pix2pix_generator_loss(zeros, a, b, 100.0)), math.log(2) + 75.0, rel_tol=1e-6)


def test_l1_only_never_touches_the_discriminator_and_logs_only_l1():
    ganlab.seed(0)
    model = tiny(gan_weight=0.0)
    before = [w.copy() for w in model.discriminator.get_weights()]
    history = model.fit(pairs(), epochs=1, verbose=0)
    assert set(history.history) == {"g_loss", "l1"}
    np.testing.assert_allclose(history.history["g_loss"][0], 100.0 * history.history["l1"][0], rtol=1e-5)
    for a, b in zip(before, model.discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_gan_training_logs_both_terms_and_lowers_l1():
    ganlab.seed(0)
    model = tiny(gan_weight=1.0, l1_weight=10.0)
    history = model.fit(pairs(n=64), epochs=4, verbose=0)
    logs = history.history
    assert {"g_loss", "l1", "g_gan", "d_loss", "d_real", "d_fake"} <= set(logs)
    np.testing.assert_allclose(logs["g_loss"], np.array(logs["g_gan"]) + 10.0 * np.array(logs["l1"]), rtol=1e-4)
    assert logs["l1"][-1] < logs["l1"][0]
    assert int(model.step_counter.numpy()) == 4 * 8


def test_a_custom_generator_loss_is_the_one_trained_with():
    """The learner's loss (notebook 08's exercise) replaces L_G: the same function trains to the same weights."""
    ganlab.seed(2)
    built_in = tiny(l1_weight=100.0, seed=1)
    initial = built_in.get_weights()
    built_in.fit(pairs(), epochs=1, verbose=0)
    ganlab.seed(2)
    custom = tiny(l1_weight=100.0, seed=1, generator_loss=lambda l, g, t, w: pix2pix_generator_loss(l, g, t, w))
    custom.set_weights(initial)
    custom.fit(pairs(), epochs=1, verbose=0)
    for a, b in zip(built_in.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    ganlab.seed(2)
    l2 = tiny(l1_weight=100.0, seed=1, generator_loss=lambda l, g, t, w: keras.ops.mean(keras.ops.square(t - g)))
    l2.set_weights(initial)
    l2.fit(pairs(), epochs=1, verbose=0)
    assert not np.allclose(l2.generator.get_weights()[0], built_in.generator.get_weights()[0])


def test_translate_and_refusals():
    model = tiny(condition_shape=(8, 8, 2))
    out = model.translate(np.zeros((5, 8, 8, 2), np.float32), batch_size=2)
    assert out.shape == (5, 8, 8, 1)
    with pytest.raises(ValueError, match="conditions must have shape"):
        model.translate(np.zeros((5, 8, 8, 1), np.float32))
    with pytest.raises(TypeError, match="translate"):
        model.sample(4)


@pytest.mark.bad_input
def test_fit_checks_the_pairs():
    model = tiny()
    with pytest.raises(TypeError, match="conditions, targets"):
        model.fit(data.array_dataset(np.zeros((16, 8, 8, 1), np.float32), 8), verbose=0)
    with pytest.raises(ValueError, match="conditions of shape"):
        model.fit(pairs(channels=2), verbose=0)
    big = data.array_dataset(np.zeros((16, 8, 8, 1), np.float32), 8, labels=np.full((16, 8, 8, 1), 3.0, np.float32))
    with pytest.raises(ValueError, match="tanh"):
        model.fit(big, verbose=0)


def test_backup_and_restore_resumes_exactly(tmp_path):
    """Two epochs in one go equal one epoch, a restart from BackupAndRestore's checkpoint, and one more."""
    ganlab.seed(3)
    straight = tiny(seed=5)
    initial = straight.get_weights()
    straight.fit(pairs(), epochs=2, verbose=0)

    backup = str(tmp_path / "backup")
    first = tiny(seed=5)
    first.set_weights(initial)
    first.fit(pairs(), epochs=1, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    resumed = tiny(seed=5)  # a new process would build the model afresh
    resumed.fit(pairs(), epochs=2, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert int(resumed.step_counter.numpy()) == int(straight.step_counter.numpy()) == 8
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# -- paired data ----------------------------------------------------------------------------------------------

def test_super_resolution_pairs():
    images = np.tanh(np.random.default_rng(0).normal(0, 1, (6, 28, 28, 1))).astype(np.float32)
    small = data.downsample(images, 4)
    assert small.shape == (6, 7, 7, 1)
    np.testing.assert_allclose(small[0, 0, 0, 0], images[0, :4, :4, 0].mean(), rtol=1e-5)
    conditions, targets = data.make_pairs(images, "super_resolution")
    assert conditions.shape == targets.shape == (6, 28, 28, 1) and np.abs(conditions).max() <= 1.0
    flat = np.full((2, 28, 28, 1), 0.3, np.float32)  # a constant image survives shrinking and bicubic upsampling
    np.testing.assert_allclose(data.make_pairs(flat)[0], flat, atol=1e-5)


def test_inpainting_pairs_mark_the_hole_and_repeat_with_the_seed():
    images = np.full((50, 28, 28, 1), 0.5, np.float32)
    conditions, targets = data.make_pairs(images, "inpainting", hole=10, seed=1)
    assert conditions.shape == (50, 28, 28, 2)
    hole = conditions[..., 1] > 0
    assert np.all(hole.sum(axis=(1, 2)) == 100)
    assert np.all(conditions[..., 0][hole] == 0) and np.all(conditions[..., 0][~hole] == 0.5)
    np.testing.assert_array_equal(conditions, data.make_pairs(images, "inpainting", hole=10, seed=1)[0])
    assert len({tuple(np.argwhere(h)[0]) for h in hole}) > 10  # the hole moves from image to image


@pytest.mark.bad_input
def test_paired_data_names_the_bad_argument():
    with pytest.raises(ValueError, match="task"):
        data.make_pairs(np.zeros((2, 28, 28, 1)), "colourise")
    with pytest.raises(ValueError, match="factor"):
        data.downsample(np.zeros((2, 28, 28, 1)), 3)
    with pytest.raises(ValueError, match="hole"):
        data.hole_masks(2, hole=28)


def test_paired_loads_mnist_pairs():
    dataset = data.paired("mnist", "inpainting", split="test", batch_size=16, limit=64)
    condition, target = next(iter(dataset))
    assert condition.shape == (16, 28, 28, 2) and target.shape == (16, 28, 28, 1)


# -- PSNR and SSIM --------------------------------------------------------------------------------------------

def test_psnr_and_ssim_on_known_cases():
    rng = np.random.default_rng(0)
    images = np.tanh(rng.normal(0, 1, (4, 28, 28, 1))).astype(np.float32)
    assert np.all(np.isinf(metrics.psnr(images, images)))
    np.testing.assert_allclose(metrics.ssim(images, images), 1.0, atol=1e-6)
    # A constant error of 0.2 is an MSE of 0.04: 10 log10(4 / 0.04) = 20 dB.
    shifted = np.clip(images, -0.7, 0.7)
    np.testing.assert_allclose(metrics.psnr(shifted + 0.2, shifted), 20.0, atol=1e-4)
    noisy = np.clip(images + 0.3 * rng.normal(0, 1, images.shape), -1, 1).astype(np.float32)
    assert np.all(metrics.ssim(noisy, images) < 0.95)
    assert np.all(metrics.psnr(noisy, images) < metrics.psnr(np.clip(images + 0.05, -1, 1), images))


@pytest.mark.bad_input
def test_psnr_refuses_other_ranges_and_shapes():
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        metrics.psnr(np.full((2, 28, 28, 1), 255.0), np.zeros((2, 28, 28, 1)))
    with pytest.raises(ValueError, match="same shape"):
        metrics.ssim(np.zeros((2, 28, 28, 1)), np.zeros((3, 28, 28, 1)))


# -- the fake detector ----------------------------------------------------------------------------------------

def test_detector_separates_an_obvious_fake():
    ganlab.seed(0)
    rng = np.random.default_rng(0)
    real = np.tanh(rng.normal(0, 1, (256, 28, 28, 1))).astype(np.float32)
    fake = np.clip(real + 0.5, -1, 1)  # brighter everywhere
    detector = detection.train_detector(real[:192], fake[:192], epochs=10, batch_size=32, width=4)
    score = detection.detection_accuracy(detector, real[192:], fake[192:])
    assert score.accuracy > 0.9 and score.real_accuracy > 0.8 and score.fake_accuracy > 0.8
    assert math.isclose(score.accuracy, (score.real_accuracy + score.fake_accuracy) / 2)
