"""ganlab.models.diffusion and ganlab.training.diffusion: the schedule's identities, the samplers' algebra, resuming."""
import shutil

import keras
import numpy as np
import pytest

import ganlab
from ganlab import data, losses, models
from ganlab.training import Diffusion, ddim_step, ddim_timesteps, ddpm_step, predicted_image


# -- the schedule -----------------------------------------------------------------------------------------------

def test_linear_schedule_identities():
    schedule = models.linear_schedule(1000)
    assert schedule.betas[0] == pytest.approx(1e-4) and schedule.betas[-1] == pytest.approx(0.02)
    np.testing.assert_allclose(schedule.alpha_bars, np.cumprod(1 - schedule.betas))
    # alpha_bar_t / alpha_bar_{t-1} = alpha_t, and the last step leaves almost no signal (about 4e-5 for Ho et al.'s)
    np.testing.assert_allclose(schedule.alpha_bars[1:] / schedule.alpha_bars[:-1], schedule.alphas[1:])
    assert 1e-5 < schedule.alpha_bars[-1] < 1e-4
    # beta_tilde_0 = 0 and 0 < beta_tilde_t <= beta_t: the posterior is narrower than the forward step
    posterior = schedule.posterior_variances
    assert posterior[0] == 0 and np.all(posterior[1:] > 0) and np.all(posterior[1:] <= schedule.betas[1:])
    assert np.all(np.diff(schedule.signal_to_noise()) < 0)


def test_cosine_schedule_falls_from_one_to_zero():
    alpha_bars = models.cosine_schedule(1000).alpha_bars
    assert np.all(np.diff(alpha_bars) < 0) and alpha_bars[0] > 0.999 and alpha_bars[-1] < 1e-3


@pytest.mark.bad_input
def test_bad_betas_are_refused():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        models.NoiseSchedule(np.array([0.1, 1.0]))


def test_forward_process_marginal():
    # x_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps: mean and variance of x_t for x_0 of mean 0.5, variance 0.
    schedule = models.linear_schedule(100)
    model = Diffusion(tiny_unet(), schedule, ema_decay=None, seed=0)
    x0 = np.full((20000, 28, 28, 1), 0.5, np.float32)
    noise = np.random.default_rng(0).standard_normal(x0.shape).astype(np.float32)
    t = np.full(len(x0), 60, np.int32)
    xt = model.noisy(x0, t, noise).numpy()
    a = schedule.alpha_bars[60]
    assert xt.mean() == pytest.approx(0.5 * np.sqrt(a), abs=1e-3)
    assert xt.var() == pytest.approx(1 - a, rel=1e-2)


def test_sinusoidal_embedding_at_zero_and_its_shape():
    embedding = models.SinusoidalEmbedding(8)(np.array([0.0, 5.0], np.float32)).numpy()
    assert embedding.shape == (2, 8)
    np.testing.assert_allclose(embedding[0], [0, 0, 0, 0, 1, 1, 1, 1], atol=1e-7)
    assert embedding[1, 0] == pytest.approx(np.sin(5.0), rel=1e-5)  # the first frequency is 1


def test_noise_prediction_loss_by_hand():
    assert float(losses.noise_prediction_loss(np.zeros((2, 3)), np.array([[1, 2, 3], [0, 0, 0]], np.float32))) == \
        pytest.approx(14 / 6)


# -- the samplers' algebra --------------------------------------------------------------------------------------

def forward(schedule, t, seed=0):
    rng = np.random.default_rng(seed)
    x0, eps = rng.uniform(-1, 1, (4, 28, 28, 1)), rng.standard_normal((4, 28, 28, 1))
    a = schedule.alpha_bars[t]
    return x0, eps, np.sqrt(a) * x0 + np.sqrt(1 - a) * eps


def test_ddim_with_the_true_noise_moves_along_the_forward_path():
    schedule = models.linear_schedule(1000)
    x0, eps, xt = forward(schedule, 700)
    np.testing.assert_allclose(predicted_image(xt, eps, schedule.alpha_bars[700]), x0, atol=1e-9)
    previous = schedule.alpha_bars[300]
    np.testing.assert_allclose(ddim_step(xt, eps, schedule.alpha_bars[700], previous),
                               np.sqrt(previous) * x0 + np.sqrt(1 - previous) * eps, atol=1e-9)
    np.testing.assert_allclose(ddim_step(xt, eps, schedule.alpha_bars[700], 1.0), x0, atol=1e-9)


def test_ddim_with_eta_one_on_consecutive_steps_is_ddpm():
    # sigma(eta = 1) = sqrt(beta_tilde_t): DDIM's step from t to t - 1 then equals the ancestral DDPM step.
    schedule = models.linear_schedule(1000)
    _, eps, xt = forward(schedule, 500)
    z = np.random.default_rng(5).standard_normal(xt.shape)
    np.testing.assert_allclose(ddim_step(xt, eps, schedule.alpha_bars[500], schedule.alpha_bars[499], 1.0, z),
                               ddpm_step(xt, eps, 500, schedule, z), atol=1e-9)


def test_ddim_timesteps():
    steps = ddim_timesteps(1000, 20)
    assert len(steps) == 20 and steps[0] == 999 and steps[-1] == 0 and np.all(np.diff(steps) < 0)
    with pytest.raises(ValueError, match="at most"):
        ddim_timesteps(10, 11)


# -- the model ---------------------------------------------------------------------------------------------------

def tiny_unet(seed=0):
    ganlab.seed(seed)
    return models.diffusion_unet(width=8, groups=4)


def test_unet_shapes():
    unet = tiny_unet()
    assert unet([np.zeros((3, 28, 28, 1), np.float32), np.array([0.0, 10.0, 999.0], np.float32)]).shape == (3, 28, 28, 1)
    with pytest.raises(ValueError, match="multiple of groups"):
        models.diffusion_unet(width=12, groups=8)


def images(n=32, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype(np.float32)


def run(epochs, path=None, load=None, initial_epoch=0, callbacks=()):
    model = Diffusion(tiny_unet(seed=3), models.linear_schedule(50), seed=3)
    model.compile(keras.optimizers.Adam(1e-3))
    if load:
        model.load_weights(load)
    history = model.fit(data.array_dataset(images(48), 16, seed=1), epochs=epochs, initial_epoch=initial_epoch,
                        verbose=0, callbacks=list(callbacks))
    if path:
        model.save_weights(path)
    return model, history.history


def backup(folder):
    return keras.callbacks.BackupAndRestore(str(folder), delete_checkpoint=False)


@pytest.fixture(scope="module")
def uninterrupted():
    """Two epochs of three steps in one go. Tests only read it (sampling does not change the weights)."""
    return run(2)


@pytest.fixture(scope="module")
def first_epoch(tmp_path_factory):
    """The first of those epochs alone, as one run: its weights saved at the end and its BackupAndRestore
    checkpoint (the callback only saves; the training is that of a run without it). Tests copy, never write, it."""
    folder = tmp_path_factory.mktemp("first_epoch")
    model, _ = run(1, path=folder / "half.weights.h5", callbacks=[backup(folder / "backup")])
    assert int(model.step_counter.numpy()) == 3
    return folder


def test_training_and_sampling(uninterrupted):
    model, history = uninterrupted
    assert int(model.step_counter.numpy()) == 6 and len(history["loss"]) == 2 and np.all(np.isfinite(history["loss"]))
    first, again = model.sample(3, steps=5, seed=1), model.sample(3, steps=5, seed=1)
    np.testing.assert_array_equal(first, again)  # eta = 0: deterministic given the starting noise
    assert first.shape == (3, 28, 28, 1) and np.abs(first).max() <= 1
    assert np.abs(first - model.sample(3, steps=5, seed=2)).max() > 0.01
    noisy = [model.sample(3, steps=5, seed=1, eta=1.0), model.sample(3, steps=5, seed=1, eta=1.0)]
    np.testing.assert_array_equal(*noisy)  # eta = 1 draws its noise from the seed too
    assert np.abs(noisy[0] - first).max() > 0.01
    assert model.sample_ddpm(2, seed=0).shape == (2, 28, 28, 1)
    # The learner's step function is the one used.
    np.testing.assert_array_equal(model.sample(2, steps=4, step=lambda x, e, a, p: np.zeros_like(x)), 0)


def test_resumed_training_equals_uninterrupted(uninterrupted, first_epoch):
    resumed, _ = run(2, load=first_epoch / "half.weights.h5", initial_epoch=1)
    assert int(resumed.step_counter.numpy()) == 6
    for a, b in zip(uninterrupted[0].get_weights(), resumed.get_weights()):  # the weight average among them
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_backup_and_restore_resumes(uninterrupted, first_epoch, tmp_path):
    # The first run stopped after one epoch (first_epoch); this one restores its checkpoint and trains the other.
    shutil.copytree(first_epoch / "backup", tmp_path / "backup")
    model, history = run(2, callbacks=[backup(tmp_path / "backup")])
    assert int(model.step_counter.numpy()) == 6 and len(history["loss"]) == 1  # only the second epoch trained
    for a, b in zip(uninterrupted[0].get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
