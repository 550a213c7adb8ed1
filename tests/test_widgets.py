"""ganlab.views.widgets without a front end: build each widget, drive its controls from code, read its state back."""
import time

import numpy as np
import pytest

import ganlab
from ganlab import data, models
from ganlab.views import widgets
from ganlab.training import GAN

PNG = b"\x89PNG"


def small_image_gan():
    ganlab.seed(0)
    gan = GAN(models.dcgan_generator(latent_dim=8, width=8), models.dcgan_discriminator(width=8))
    gan.compile()
    return gan


# -- the playground -----------------------------------------------------------------------------------------

@pytest.fixture
def playground():
    board = widgets.Playground(batch_size=64, display=False)
    yield board
    board.stop()


def test_playground_starts_drawn_and_untrained(playground):
    assert playground.last_image.startswith(PNG)
    assert playground.step == playground.d_steps == 0
    assert playground.real.shape == (4000, 2)


def test_step_buttons_step_the_networks(playground):
    before = [w.numpy().copy() for w in playground.discriminator.trainable_weights]
    playground.step_d.click()
    assert playground.d_steps == 1 and playground.step == 0 and len(playground.history["d_loss"]) == 1
    assert not all(np.array_equal(a, w.numpy()) for a, w in zip(before, playground.discriminator.trainable_weights))
    generator_before = [w.numpy().copy() for w in playground.generator.trainable_weights]
    playground.step_g.click()
    assert playground.step == 1
    assert not all(np.array_equal(a, w.numpy()) for a, w in zip(generator_before, playground.generator.trainable_weights))
    playground.k.value = 3
    playground.step_both.click()
    assert playground.d_steps == 4 and playground.step == 2


def test_changing_the_target_or_loss_starts_afresh(playground):
    playground.step_both.click()
    image = playground.last_image
    playground.target.value = "grid"
    assert playground.step == 0 and np.abs(playground.real).max() > 3  # the grid reaches +-4
    assert playground.last_image != image
    playground.loss.value = "minimax"
    assert playground.gan.generator_loss_fn.__name__ == "minimax_generator_loss"


def test_play_runs_until_paused(playground):
    playground.play.click()
    deadline = time.time() + 60
    while playground.step < 3 and time.time() < deadline:
        time.sleep(0.05)
    playground.pause.click()
    steps = playground.step
    assert steps >= 3
    time.sleep(0.3)
    assert playground.step == steps  # stopped
    assert "D loss" in playground.status.value


def test_gradient_arrows_point_where_the_loss_falls(playground):
    for _ in range(20):
        playground.advance(1, 0, redraw=False)  # D learns where the real data is
    fake = playground.gan.sample(50, seed=3)
    arrows = playground.gradients(fake)
    step = 1e-3 * arrows / np.linalg.norm(arrows, axis=1, keepdims=True)
    before = playground.gan.generator_loss_fn(playground.discriminator(fake)).numpy()
    after = playground.gan.generator_loss_fn(playground.discriminator(fake + step)).numpy()
    assert after < before


def test_a_custom_target(tmp_path):
    points = np.random.default_rng(0).normal(size=(100, 2)).astype("float32")
    board = widgets.Playground(points=points, display=False)
    assert board.target.value == "custom" and np.array_equal(board.real, points)


@pytest.mark.bad_input
def test_playground_refuses_bad_points():
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        widgets.Playground(points=np.zeros((10, 3)), display=False)


# -- the dashboard ---------------------------------------------------------------------------------------------

def test_dashboard_redraws_in_place_during_fit():
    gan = small_image_gan()
    dashboard = widgets.TrainingDashboard(every=5, n_samples=16, display=False)
    gan.fit(data.mnist(batch_size=32, limit=32 * 12), epochs=1, callbacks=[dashboard], verbose=0)
    assert dashboard.updates == 3  # steps 5 and 10, and the end of training
    assert dashboard.last_image.startswith(PNG) and dashboard.image.value == dashboard.last_image
    assert len(dashboard.history["d_loss"]) == 12 and dashboard.steps[-1] == 12


def test_dashboard_draws_2d_samples_over_the_data():
    ganlab.seed(0)
    ring = data.ring()
    gan = GAN(models.mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(8,), output_activation=None),
              models.mlp_discriminator(input_shape=(2,), hidden_units=(8,)))
    gan.compile()
    dashboard = widgets.TrainingDashboard(every=2, keys=["d_loss"], real=ring.sample(100), display=False)
    gan.fit(ring.dataset(batch_size=32, n_samples=128), epochs=1, callbacks=[dashboard], verbose=0)
    assert list(dashboard.history) == ["d_loss"] and dashboard.last_image.startswith(PNG)


# -- the latent explorer ----------------------------------------------------------------------------------------

def test_latent_explorer_moves_along_directions_and_between_samples():
    gan = small_image_gan()
    explorer = widgets.LatentExplorer(gan, directions=3)
    assert np.allclose(explorer.directions @ explorer.directions.T, np.eye(3), atol=1e-5)
    assert np.allclose(explorer.latent(), explorer.start)
    first = explorer.last_image
    explorer.sliders[1].value = 2.0
    assert np.allclose(explorer.latent(), explorer.start + 2.0 * explorer.directions[1], atol=1e-5)
    assert explorer.last_image != first
    explorer.sliders[1].value = 0.0
    explorer.t.value = 1.0
    assert np.allclose(explorer.latent(), explorer.end, atol=1e-5)
    assert explorer.sample().shape == (28, 28, 1)


def test_latent_explorer_draws_from_the_network_that_sample_uses():
    from ganlab.training import GAN

    raw = small_image_gan()
    gan = GAN(raw.generator, raw.discriminator, seed=0, ema_decay=0.99)
    for weight in gan.ema_generator.weights:
        weight.assign(np.zeros(weight.shape, weight.dtype))
    explorer = widgets.LatentExplorer(gan, directions=2)
    assert np.abs(explorer.sample()).max() == 0.0
