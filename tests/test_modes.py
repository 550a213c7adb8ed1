"""ganlab.metrics.modes: mode counts, high-quality fractions and reverse KL on samples whose answer is known."""
import numpy as np
import pytest

from ganlab import data, metrics
from ganlab.metrics.modes import reverse_kl_from_uniform, stacked_digits


@pytest.mark.parametrize("mixture", [data.ring(), data.grid()], ids=["ring", "grid"])
def test_real_samples_cover_every_mode_at_high_quality(mixture):
    coverage = metrics.mode_coverage(mixture.sample(2500, seed=0), mixture)
    assert coverage.modes == coverage.n_modes == mixture.n_modes
    assert coverage.high_quality > 0.98  # a 2-D Gaussian holds 1 - exp(-9/2) = 98.9% of its mass within 3 std
    assert coverage.kl < 0.02
    assert coverage.histogram.sum() == round(coverage.high_quality * 2500)


def test_the_papers_constants():
    ring, grid = data.ring(), data.grid()
    assert ring.n_modes == 8 and ring.std == 0.01 and np.allclose(np.linalg.norm(ring.centers, axis=1), 1.0)
    assert grid.n_modes == 25 and grid.std == 0.05
    assert sorted(set(grid.centers[:, 0])) == [-4, -2, 0, 2, 4]


def test_a_collapsed_generator_captures_one_mode_with_kl_log_k():
    ring = data.ring()
    collapsed = ring.centers[3] + 0.001 * np.random.default_rng(0).standard_normal((2500, 2))
    coverage = metrics.mode_coverage(collapsed, ring)
    assert coverage.modes == 1 and coverage.high_quality == 1.0
    assert coverage.kl == pytest.approx(np.log(8))
    assert coverage.histogram[3] == 2500


def test_samples_between_modes_are_not_high_quality_and_capture_nothing():
    grid = data.grid()
    between = np.random.default_rng(1).uniform(-0.6, 0.6, (1000, 2)) + [1.0, 1.0]  # the gap between four centres
    coverage = metrics.mode_coverage(between, grid)
    assert coverage.high_quality == 0.0 and coverage.modes == 0
    assert coverage.kl == pytest.approx(np.log(25))


def test_the_high_quality_radius_is_n_std_standard_deviations():
    ring = data.ring()
    just_inside = ring.centers + [0.0299, 0.0]
    just_outside = ring.centers + [0.0301, 0.0]
    assert metrics.mode_coverage(just_inside, ring).high_quality == 1.0
    assert metrics.mode_coverage(just_outside, ring).high_quality == 0.0
    assert metrics.mode_coverage(just_outside, ring, n_std=4).high_quality == 1.0


def test_half_the_modes_equally_often_gives_kl_log_2():
    ring = data.ring()
    half = np.repeat(ring.centers[:4], 100, axis=0)
    coverage = metrics.mode_coverage(half, ring)
    assert coverage.modes == 4 and coverage.kl == pytest.approx(np.log(2))
    assert str(coverage) == "4/8 modes, 100.0% high quality, reverse KL 0.693"


def test_reverse_kl_on_known_histograms():
    assert reverse_kl_from_uniform([5, 5, 5, 5]) == pytest.approx(0.0)
    assert reverse_kl_from_uniform([3, 1]) == pytest.approx(0.75 * np.log(1.5) + 0.25 * np.log(0.5))
    assert reverse_kl_from_uniform([0, 0, 0]) == pytest.approx(np.log(3))


@pytest.mark.bad_input
def test_mode_coverage_refuses_bad_samples():
    with pytest.raises(ValueError, match=r"shape \(n, 2\) for the 8-Gaussian ring"):
        metrics.mode_coverage(np.zeros((10, 3)), data.ring())
    with pytest.raises(ValueError, match="diverged"):
        metrics.mode_coverage(np.full((10, 2), np.nan), data.ring())
    with pytest.raises(ValueError, match="non-negative counts"):
        reverse_kl_from_uniform([1, -1])


def test_stacked_mnist_is_three_digits_in_three_channels():
    images, modes = data.stacked_mnist(300, seed=0)
    assert images.shape == (300, 28, 28, 3) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    assert modes.min() >= 0 and modes.max() < 1000
    digits = stacked_digits(images)
    truth = np.stack([modes // 100, modes // 10 % 10, modes % 10], axis=1)
    assert (digits == truth).all(axis=1).mean() > 0.95  # 0.993 ** 3 = 0.979 expected, less binomial noise


def test_stacked_mnist_coverage_counts_modes():
    images, modes = data.stacked_mnist(2000, seed=1)
    coverage = metrics.stacked_mnist_coverage(images)
    assert coverage.n_modes == 1000
    assert abs(coverage.modes - len(np.unique(modes))) <= 15
    one_mode = np.repeat(images[:1], 500, axis=0)
    collapsed = metrics.stacked_mnist_coverage(one_mode)
    assert collapsed.modes == 1 and collapsed.kl == pytest.approx(np.log(1000))


@pytest.mark.bad_input
def test_stacked_mnist_coverage_refuses_grey_images():
    with pytest.raises(ValueError, match=r"stacked MNIST, shape \(n, 28, 28, 3\)"):
        metrics.stacked_mnist_coverage(np.zeros((5, 28, 28, 1)))
