"""ganlab.experiments.probes: the JS divergence read off a discriminator, D's distance from D*, the generator's gradient norm."""
import keras
import numpy as np
import pytest

from ganlab import data, metrics
from ganlab.experiments import probes


def linear_discriminator(weight, bias):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.set_weights([np.array([[weight]], np.float32), np.array([bias], np.float32)])
    return model


def optimal_for_two_gaussians(a, b, std):
    """D* for p_data = N(a, std^2) against p_g = N(b, std^2): its logit log p_data / p_g is linear in x."""
    return linear_discriminator((a - b) / std**2, -(a - b) * (a + b) / (2 * std**2))


def test_the_optimal_discriminator_gives_the_js_divergence():
    rng = np.random.default_rng(0)
    a, b, std = 0.0, 1.5, 1.0
    real, fake = rng.normal(a, std, (200_000, 1)), rng.normal(b, std, (200_000, 1))
    xs = np.linspace(-8, 10, 4000)
    density = lambda mean: np.exp(-(xs - mean) ** 2 / (2 * std**2))  # noqa: E731
    exact = metrics.js_divergence(density(a), density(b), xs)
    estimate = probes.jensen_shannon_estimate(optimal_for_two_gaussians(a, b, std), real, fake)
    assert estimate == pytest.approx(exact, abs=3e-3)


def test_a_discriminator_at_one_half_says_the_divergence_is_zero_and_any_other_says_less():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(0.0, 1.0, (50_000, 1)), rng.normal(3.0, 1.0, (50_000, 1))
    assert probes.jensen_shannon_estimate(linear_discriminator(0.0, 0.0), real, fake) == pytest.approx(0.0, abs=1e-7)
    best = probes.jensen_shannon_estimate(optimal_for_two_gaussians(0.0, 3.0, 1.0), real, fake)
    weaker = probes.jensen_shannon_estimate(linear_discriminator(-0.5, 0.75), real, fake)  # right sign, too flat
    assert 0 < weaker < best < np.log(2)


def test_a_very_sure_discriminator_gives_a_finite_estimate_near_log_2():
    real, fake = np.full((10, 1), -5.0), np.full((10, 1), 5.0)
    estimate = probes.jensen_shannon_estimate(linear_discriminator(-100.0, 0.0), real, fake)
    assert np.isfinite(estimate) and estimate == pytest.approx(np.log(2), abs=1e-6)


def test_generated_density_is_a_density_and_narrower_than_scotts_rule():
    mixture = data.mixture_1d(means=(-2.0, 2.0), std=0.5)
    samples = mixture.sample(50_000, seed=0)
    xs = np.linspace(-6, 6, 2000)
    p = probes.generated_density(samples, xs)
    assert np.sum(p) * (xs[1] - xs[0]) == pytest.approx(1.0, abs=1e-3)
    # at a mode the narrow estimate is close to the true density; Scott's rule (bandwidth 0.24 here) blurs the mode
    at_mode = np.array([2.0])
    true = mixture.density(at_mode)[0]
    narrow, scott = probes.generated_density(samples, at_mode)[0], metrics.kde_density(samples, at_mode)[0]
    assert narrow == pytest.approx(true, rel=0.03)
    assert abs(narrow - true) < 0.5 * abs(scott - true)


def test_the_gap_of_d_star_is_zero_and_of_one_half_is_not():
    std = 0.5
    mixture = data.mixture_1d(means=(0.0,), std=std)
    fake = np.random.default_rng(2).normal(1.0, std, (200_000, 1))
    optimal = optimal_for_two_gaussians(0.0, 1.0, std)
    assert probes.discriminator_gap(optimal, mixture, fake, bandwidth=0.05) < 0.01
    assert probes.discriminator_gap(linear_discriminator(0.0, 0.0), mixture, fake, bandwidth=0.05) > 0.2


@pytest.fixture(scope="module")
def far_gan():
    """A 1-D GAN whose samples sit near x = 6 and whose D rejects them surely (logit about -12 there)."""
    from ganlab import models
    from ganlab.training import GAN

    keras.utils.set_random_seed(0)
    generator = models.mlp_generator(latent_dim=2, output_shape=(1,), hidden_units=(8,), output_activation=None,
                                     batch_norm=False)
    generator.layers[-2].bias.assign([6.0])
    discriminator = linear_discriminator(-2.0, 0.0)
    return GAN(generator, discriminator)


def test_the_minimax_gradient_vanishes_where_d_rejects_the_fakes(far_gan):
    minimax = probes.generator_gradient_norm(far_gan, "minimax")
    non_saturating = probes.generator_gradient_norm(far_gan, "non_saturating")
    assert 0 < minimax < 1e-3 * non_saturating


@pytest.mark.bad_input
def test_bad_arguments_are_named(far_gan):
    with pytest.raises(ValueError, match="loss must be one of"):
        probes.generator_gradient_norm(far_gan, "wasserstein")
    with pytest.raises(ValueError, match="at least two distinct values"):
        probes.generated_density(np.ones(10), np.zeros(3))
    with pytest.raises(ValueError, match="bandwidth must be a finite number > 0"):
        probes.generated_density(np.arange(10.0), np.zeros(3), bandwidth=0.0)
    with pytest.raises(ValueError, match="refit_steps must be at least 1"):
        probes.look(far_gan, data.mixture_1d(), held_out=np.zeros((10, 1)), refit_steps=0)
