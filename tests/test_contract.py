"""Every GAN kind honours the base's contract: the callbacks work on it, or say at fit why they cannot;
``sample`` and ``discriminate`` answer or refuse clearly; a checkpoint written during fit restores."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import ganlab
from ganlab import models, training
from ganlab.data.images import load_images
from ganlab.views.callbacks import CriticEstimate, FrechetDistance, SampleGrid, StopOnNaN

KINDS = ("gan", "wgan", "unrolled", "conditional", "semi_supervised", "pix2pix", "cyclegan")
NOISE_KINDS = {"gan", "wgan", "unrolled", "conditional", "semi_supervised"}


@pytest.fixture(scope="module")
def digits(mnist_path):
    images, labels = load_images("mnist", "test")
    return images[:96], labels[:96].astype(np.int32)


def build(kind):
    ganlab.seed(0)
    dcgan = dict(latent_dim=8, width=4)
    if kind == "gan":
        return training.GAN(models.dcgan_generator(**dcgan), models.dcgan_discriminator(width=4), seed=1)
    if kind == "wgan":
        return training.WGAN(models.dcgan_generator(**dcgan), models.dcgan_critic(width=4), critic_steps=2, seed=1)
    if kind == "unrolled":
        return training.UnrolledGAN(models.dcgan_generator(**dcgan), models.dcgan_discriminator(width=4),
                                    unroll_steps=1, seed=1)
    if kind == "conditional":
        return training.ConditionalGAN(models.conditional_generator(latent_dim=8, width=4, embedding_dim=4),
                                       models.conditional_discriminator(width=4), seed=1)
    if kind == "semi_supervised":
        return training.SemiSupervisedGAN(models.semi_supervised_generator(latent_dim=8, hidden_units=(16,)),
                                          models.semi_supervised_discriminator(hidden_units=(16, 8),
                                                                               weight_norm=False), seed=1)
    if kind == "pix2pix":
        return training.Pix2Pix(models.unet_generator(width=4), models.patchgan_discriminator(width=4), seed=1)
    return training.CycleGAN(models.unet_generator(width=4), models.unet_generator(width=4),
                             models.patch_discriminator(width=4), models.patch_discriminator(width=4), seed=1)


def dataset(kind, digits):
    images, labels = digits
    other = np.ascontiguousarray(images[::-1])
    parts = {"conditional": (images, labels), "semi_supervised": (images, other, labels),
             "pix2pix": (other, images), "cyclegan": (images, -other)}.get(kind, images)
    return tf.data.Dataset.from_tensor_slices(parts).batch(32, drop_remainder=True)


@pytest.mark.parametrize("kind", KINDS)
def test_callbacks_watch_every_kind_or_refuse_at_fit(kind, digits, tmp_path):
    gan = build(kind)
    gan.compile()
    data = dataset(kind, digits)
    # every=3: measured at the last step of each 3-step epoch, from on_train_batch_end, the epoch's end reusing it
    # (the same paths as every step, with 2 Fréchet distances instead of 6)
    watchers = [SampleGrid(tmp_path / "grids"), FrechetDistance(digits[0], every=3, n_samples=96)]
    if kind not in NOISE_KINDS:
        for watcher in watchers:
            with pytest.raises(TypeError, match="translates images and has no noise"):
                gan.fit(data, epochs=1, verbose=0, callbacks=[watcher])
        watchers = []
    checkpoint = tmp_path / "gan.weights.h5"
    history = gan.fit(data, epochs=2, verbose=0, callbacks=watchers + [
        StopOnNaN(), keras.callbacks.ModelCheckpoint(checkpoint, save_weights_only=True),
        keras.callbacks.BackupAndRestore(tmp_path / "backup")])
    assert int(gan.step_counter.numpy()) == 2 * 3 and all(np.isfinite(v[-1]) for v in history.history.values())
    if kind in NOISE_KINDS:
        assert len(list((tmp_path / "grids").glob("*.png"))) == 2
        assert watchers[1].steps == [3, 6] and np.isfinite(watchers[1].values).all()
        assert history.history["fid"] == watchers[1].values
    restored = build(kind)
    restored.compile()
    restored.load_weights(checkpoint)
    for a, b in zip(gan.weights, restored.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("kind", KINDS)
def test_sample_and_discriminate_answer_or_refuse(kind, digits):
    gan = build(kind)
    images, labels = digits
    if kind in NOISE_KINDS:
        samples = gan.sample(5, seed=3)
        assert samples.shape == (5, 28, 28, 1) and np.array_equal(samples, gan.sample(5, seed=3))
    else:
        with pytest.raises(TypeError, match="no noise to sample from"):
            gan.sample(5)
    extra = {"conditional": {"labels": labels[:5]}, "pix2pix": {"conditions": images[:5]},
             "cyclegan": {"domain": "b"}}.get(kind, {})
    judged = gan.discriminate(images[:5], **extra)
    assert judged.shape == (5,) and np.isfinite(judged).all()


@pytest.mark.parametrize("kind", ["conditional", "semi_supervised"])
def test_a_critic_estimate_refuses_judges_that_do_not_score_a_bare_sample(kind, digits):
    gan = build(kind)
    gan.compile()
    with pytest.raises(TypeError, match="CriticEstimate scores samples with a critic of one input"):
        gan.fit(dataset(kind, digits), epochs=1, verbose=0, callbacks=[CriticEstimate(digits[0], every=1,
                                                                                      n_samples=32)])
