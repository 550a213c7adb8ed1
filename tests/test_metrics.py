"""ganlab.metrics: D*, density estimates, distance of D from 1/2, Wasserstein-1 in 1-D."""
import numpy as np
import pytest

from ganlab import data, metrics


def test_optimal_discriminator_by_hand():
    p_data = np.array([0.4, 0.1, 0.0, 0.25, 1.0, 0.0])
    p_g = np.array([0.1, 0.4, 0.3, 0.25, 0.0, 0.0])
    d_star = metrics.optimal_discriminator(p_data, p_g)
    np.testing.assert_allclose(d_star, [0.8, 0.2, 0.0, 0.5, 1.0, 0.5])  # both zero -> 1/2
    assert d_star.dtype == np.float64


def test_optimal_discriminator_both_zero_and_lists():
    assert metrics.optimal_discriminator([0.0], [0.0]).tolist() == [0.5]
    assert float(metrics.optimal_discriminator(0.3, 0.1)) == pytest.approx(0.75)


def test_optimal_discriminator_is_half_when_the_densities_agree():
    mixture = data.mixture_1d()
    xs = np.linspace(-4, 4, 101)
    np.testing.assert_allclose(metrics.optimal_discriminator(mixture.density(xs), mixture.density(xs)), 0.5)


def test_kde_density_integrates_to_one():
    samples = data.mixture_1d(means=(-2.0, 2.0), std=0.5).sample(2000, seed=0)
    xs = np.linspace(-7, 7, 2001)
    density = metrics.kde_density(samples, xs)
    assert density.shape == xs.shape and np.all(density >= 0)
    assert np.trapezoid(density, xs) == pytest.approx(1.0, abs=1e-3)
    # on one Gaussian (where Scott's bandwidth is small) it matches the true density at the mode
    single = data.mixture_1d(means=(0.0,), std=0.5)
    estimate = metrics.kde_density(single.sample(2000, seed=1)[:, 0], np.array([0.0]))[0]
    assert estimate == pytest.approx(single.density(np.array([0.0]))[0], rel=0.05)


@pytest.mark.bad_input
@pytest.mark.parametrize("samples", [np.array([1.0]), np.full(50, 3.0)], ids=["one-sample", "constant"])
def test_kde_density_refuses_a_collapsed_sample(samples):
    with pytest.raises(ValueError, match="samples must hold at least two distinct values"):
        metrics.kde_density(samples, np.linspace(0, 1, 5))


def test_support_grid_covers_every_mode():
    mixture = data.mixture_1d(means=(-2.0, 3.0), std=0.5)
    xs = metrics.support_grid(mixture, n=50, width=4.0)
    assert xs.shape == (50,)
    assert xs[0] == pytest.approx(-4.0) and xs[-1] == pytest.approx(5.0)


@pytest.mark.bad_input
def test_support_grid_bad_n():
    with pytest.raises(ValueError, match="n must be at least 1"):
        metrics.support_grid(data.mixture_1d(), n=0)


def set_last_layer(gan, bias):
    layer = gan.discriminator.layers[-1]
    kernel, _ = layer.get_weights()
    layer.set_weights([np.zeros_like(kernel), np.full((1,), bias, np.float32)])


def test_distance_from_half_is_zero_when_d_says_one_half(make_gan, toy_mixture):
    gan = make_gan(compile=False)
    assert metrics.distance_from_half(gan, toy_mixture) > 0  # a random D is not at 1/2
    set_last_layer(gan, 0.0)  # logit 0 everywhere: D = 1/2
    np.testing.assert_allclose(gan.discriminate(np.linspace(-3, 3, 7)), 0.5)
    assert metrics.distance_from_half(gan, toy_mixture) == pytest.approx(0.0, abs=1e-9)


def test_distance_from_half_is_one_half_when_d_is_certain(make_gan, toy_mixture):
    gan = make_gan(compile=False)
    set_last_layer(gan, 40.0)  # D = 1 everywhere
    assert metrics.distance_from_half(gan, toy_mixture) == pytest.approx(0.5, abs=1e-9)


@pytest.mark.parametrize("shift", [0.0, 0.7, -2.5])
def test_wasserstein_1d_of_a_shift_is_the_shift(shift):
    samples = np.random.default_rng(0).normal(size=1000)
    assert metrics.wasserstein_1d(samples + shift, samples) == pytest.approx(abs(shift), abs=1e-9)
    assert metrics.wasserstein_1d((samples + shift)[:, None], samples[:, None]) == pytest.approx(abs(shift), abs=1e-9)


def test_wasserstein_1d_between_two_mixtures():
    a = data.mixture_1d(means=(0.0,), std=0.5).sample(20_000, seed=0)
    b = data.mixture_1d(means=(1.0,), std=0.5).sample(20_000, seed=1)
    assert metrics.wasserstein_1d(a, b) == pytest.approx(1.0, abs=0.02)
