"""ganlab.models.vae, ganlab.training.vae and the ELBO's pieces in ganlab.losses: values computed by hand, resuming."""
import math

import keras
import numpy as np
import pytest

import ganlab
from ganlab import data, losses, models
from ganlab.training import VAE


def tiny_vae(seed=0, **kwargs):
    ganlab.seed(seed)
    return VAE(models.vae_encoder(latent_dim=2, width=4), models.vae_decoder(latent_dim=2, width=4), seed=seed,
               **kwargs)


def images(n=32, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype(np.float32)


# -- the losses ---------------------------------------------------------------------------------------------

def test_gaussian_kl_by_hand():
    # KL = 1/2 [(1 + 1 - 1 - 0) + (2 + 0 - 1 - log 2)] for mu = (1, 0), sigma^2 = (1, 2); the second row is the prior.
    mean = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)
    log_variance = np.array([[0.0, math.log(2.0)], [0.0, 0.0]], np.float32)
    expected = 0.5 * (1.0 + 1.0 - math.log(2.0))
    assert float(losses.gaussian_kl(mean, log_variance)) == pytest.approx(expected / 2, rel=1e-6)  # mean over 2 rows
    assert float(losses.gaussian_kl(mean[1:], log_variance[1:])) == 0.0


def test_bernoulli_reconstruction_by_hand():
    x = np.where(np.arange(784).reshape(1, 28, 28, 1) % 2, 1.0, -1.0).astype(np.float32)  # pixels 0 and 1
    # Logits 0: p = 1/2 for every pixel, so -log p = log 2 each: 784 log 2 per image.
    assert float(losses.bernoulli_reconstruction_loss(np.zeros_like(x), x)) == pytest.approx(784 * math.log(2), rel=1e-6)
    # Logits +-3 pointing the right way: softplus(-3) per pixel; the wrong way: softplus(3).
    assert float(losses.bernoulli_reconstruction_loss(3 * x, x)) == pytest.approx(784 * math.log1p(math.exp(-3)), rel=1e-5)
    assert float(losses.bernoulli_reconstruction_loss(-3 * x, x)) == pytest.approx(784 * math.log1p(math.exp(3)), rel=1e-5)
    # A grey pixel (x = 0, y = 1/2) at logit 0 costs log 2 too, and less at no other logit.
    grey = np.zeros((1, 28, 28, 1), np.float32)
    assert float(losses.bernoulli_reconstruction_loss(grey + 0.5, grey)) > 784 * math.log(2)


def test_negative_elbo_adds_the_weighted_kl():
    x, logits = images(4), np.random.default_rng(1).normal(size=(4, 28, 28, 1)).astype(np.float32)
    mean, log_variance = np.ones((4, 3), np.float32), np.zeros((4, 3), np.float32)  # KL = 1.5 per image
    reconstruction = float(losses.bernoulli_reconstruction_loss(logits, x))
    assert float(losses.negative_elbo(logits, x, mean, log_variance)) == pytest.approx(reconstruction + 1.5, rel=1e-6)
    assert float(losses.negative_elbo(logits, x, mean, log_variance, kl_weight=4.0)) == pytest.approx(
        reconstruction + 6.0, rel=1e-6)


# -- the networks and the model ------------------------------------------------------------------------------

def test_shapes():
    encoder, decoder = models.vae_encoder(latent_dim=5, width=4), models.vae_decoder(latent_dim=5, width=4)
    mean, log_variance = encoder(images(3))
    assert mean.shape == log_variance.shape == (3, 5)
    assert decoder(np.zeros((3, 5), np.float32)).shape == (3, 28, 28, 1)


@pytest.mark.bad_input
def test_mismatched_networks_are_refused():
    with pytest.raises(ValueError, match="same latent_dim"):
        VAE(models.vae_encoder(latent_dim=3, width=4), models.vae_decoder(latent_dim=2, width=4))
    with pytest.raises(TypeError, match="keras.Model"):
        VAE("encoder", models.vae_decoder(latent_dim=2, width=4))


def test_training_lowers_the_loss_and_counts_steps():
    vae = tiny_vae()
    vae.compile(keras.optimizers.Adam(3e-3))
    digits = data.array_dataset(images(64), 16, seed=0)
    history = vae.fit(digits, epochs=3, verbose=0).history
    assert int(vae.step_counter.numpy()) == 12
    assert history["loss"][-1] < history["loss"][0]
    np.testing.assert_allclose(history["loss"], np.add(history["reconstruction"], history["kl"]), rtol=1e-4)
    samples = vae.sample(5, seed=3)
    assert samples.shape == (5, 28, 28, 1) and np.abs(samples).max() <= 1
    np.testing.assert_array_equal(samples, vae.sample(5, seed=3))


def test_the_kl_function_passed_is_the_one_trained_on():
    vae = tiny_vae(kl=lambda mean, log_variance: 0.0 * losses.gaussian_kl(mean, log_variance))
    vae.compile()
    history = vae.fit(data.array_dataset(images(32), 16), epochs=1, verbose=0).history
    assert history["kl"][0] == 0.0 and history["loss"][0] == pytest.approx(history["reconstruction"][0])


def run(epochs, path=None, load=None, initial_epoch=0):
    vae = tiny_vae(seed=2)
    vae.compile(keras.optimizers.Adam(1e-3))
    if load:
        vae.load_weights(load)
    vae.fit(data.array_dataset(images(48), 16, seed=1), epochs=epochs, initial_epoch=initial_epoch, verbose=0)
    if path:
        vae.save_weights(path)
    return vae


def test_resumed_training_equals_uninterrupted(tmp_path):
    whole = run(2)
    run(1, path=tmp_path / "half.weights.h5")
    resumed = run(2, load=tmp_path / "half.weights.h5", initial_epoch=1)
    assert int(resumed.step_counter.numpy()) == int(whole.step_counter.numpy()) == 6
    assert int(resumed.optimizer.iterations.numpy()) == 6
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_backup_and_restore_resumes(tmp_path):
    whole = run(3)
    first = tiny_vae(seed=2)
    first.compile(keras.optimizers.Adam(1e-3))
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"), delete_checkpoint=False)
    first.fit(data.array_dataset(images(48), 16, seed=1), epochs=2, callbacks=[backup], verbose=0)
    second = tiny_vae(seed=2)
    second.compile(keras.optimizers.Adam(1e-3))
    second.fit(data.array_dataset(images(48), 16, seed=1), epochs=3, verbose=0,
               callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path / "backup"), delete_checkpoint=False)])
    assert int(second.step_counter.numpy()) == 9
    for a, b in zip(whole.get_weights(), second.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
