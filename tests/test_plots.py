"""ganlab.views.plots for images: grid_canvas, slerp, interpolation and distance_curves."""
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ganlab.views import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def images(n, h=28, w=28, c=1, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, h, w, c)).astype(np.float32)


# -- grid_canvas ------------------------------------------------------------------------------------------

def test_grid_canvas_shape_and_placement():
    batch = images(10)
    canvas = plots.grid_canvas(batch, ncols=4)
    # 3 rows (4 + 4 + 2) and 4 columns of 28x28, with a 1-pixel border around every image
    assert canvas.shape == (3 * 29 + 1, 4 * 29 + 1, 1)
    assert canvas.dtype == np.float32 and canvas.min() >= 0 and canvas.max() <= 1
    np.testing.assert_allclose(canvas[1:29, 1:29], (batch[0] + 1) / 2)          # row 0, column 0
    np.testing.assert_allclose(canvas[1:29, 30:58], (batch[1] + 1) / 2)         # row 0, column 1
    np.testing.assert_allclose(canvas[30:58, 1:29], (batch[4] + 1) / 2)         # row 1, column 0
    np.testing.assert_allclose(canvas[59:87, 30:58], (batch[9] + 1) / 2)        # row 2, column 1: the last
    assert np.all(canvas[59:87, 59:] == 1.0)                                    # the two empty cells stay white
    assert np.all(canvas[0] == 1.0) and np.all(canvas[:, 0] == 1.0)              # the border


def test_grid_canvas_clips_and_keeps_colour():
    batch = np.stack([np.full((8, 8, 3), -3.0), np.full((8, 8, 3), 3.0)]).astype(np.float32)
    canvas = plots.grid_canvas(batch, ncols=2)
    assert canvas.shape == (10, 19, 3)
    assert canvas[1, 1].tolist() == [0, 0, 0] and canvas[1, 10].tolist() == [1, 1, 1]


def test_image_grid_draws_the_canvas():
    ax = plots.image_grid(images(6), ncols=3, title="six")
    assert isinstance(ax, plt.Axes) and ax.get_title() == "six"
    assert ax.images[0].get_array().shape == (2 * 29 + 1, 3 * 29 + 1)


@pytest.mark.bad_input
@pytest.mark.parametrize("batch", [np.zeros((4, 28, 28)), np.zeros((4, 28, 28, 2)), np.zeros((28, 28))],
                         ids=["no-channel-axis", "2-channels", "one-image"])
def test_image_grid_bad_inputs(batch):
    with pytest.raises(ValueError, match=r"images must have shape \(n, height, width, 1 or 3\), got"):
        plots.image_grid(batch)
    with pytest.raises(ValueError, match=r"images must have shape \(n, height, width, 1 or 3\)"):
        plots.grid_canvas(batch)


# -- slerp -------------------------------------------------------------------------------------------------

def test_slerp_endpoints():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(16), rng.standard_normal(16)
    path = plots.slerp(a, b, np.linspace(0, 1, 5))
    assert path.shape == (5, 16) and path.dtype == np.float32
    np.testing.assert_allclose(path[0], a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(path[-1], b, rtol=1e-5, atol=1e-6)


def test_slerp_stays_on_the_sphere():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(64), rng.standard_normal(64)
    b *= np.linalg.norm(a) / np.linalg.norm(b)  # equal norms
    t = np.linspace(0, 1, 11)
    norms = np.linalg.norm(plots.slerp(a, b, t), axis=1)
    np.testing.assert_allclose(norms, np.linalg.norm(a), rtol=1e-5)
    # a straight line cuts inside the sphere: its midpoint is shorter
    assert np.linalg.norm((a + b) / 2) < 0.9 * np.linalg.norm(a)


def test_slerp_norms_stay_between_for_unequal_norms():
    a, b = np.array([3.0, 0.0]), np.array([0.0, 1.0])
    norms = np.linalg.norm(plots.slerp(a, b, np.linspace(0, 1, 9)), axis=1)
    assert np.all(norms <= 3.0 + 1e-5) and np.all(norms >= 1.0 - 1e-5)


def test_slerp_quarter_circle_by_hand():
    path = plots.slerp(np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.5]))
    np.testing.assert_allclose(path[0], [np.sqrt(0.5), np.sqrt(0.5)], rtol=1e-6)


def test_slerp_of_identical_vectors_returns_the_vector():
    a = np.random.default_rng(2).standard_normal(8)
    path = plots.slerp(a, a.copy(), np.array([0.0, 0.5, 1.0]))
    assert np.all(np.isfinite(path))
    np.testing.assert_allclose(path, np.stack([a] * 3), rtol=1e-6)


# -- interpolation and distance_curves ----------------------------------------------------------------------

def test_interpolation_draws_rows_of_paths(image_models):
    from ganlab.training import GAN

    gan = GAN(*image_models, seed=0)
    ax = plots.interpolation(gan, rows=2, steps=5, seed=0, title="paths")
    assert isinstance(ax, plt.Axes) and ax.get_title() == "paths"
    assert ax.images[0].get_array().shape == (2 * 29 + 1, 5 * 29 + 1)
    # the same seed draws the same paths
    again = plots.interpolation(gan, rows=2, steps=5, seed=0)
    np.testing.assert_array_equal(ax.images[0].get_array(), again.images[0].get_array())


def test_distance_curves_against_steps_and_seconds():
    curves = {"small": SimpleNamespace(steps=[10, 20, 30], seconds=[1.0, 2.0, 3.5], values=[200.0, 80.0, 40.0]),
              "big": SimpleNamespace(steps=[10, 20], seconds=[2.0, 4.0], values=[150.0, 30.0])}
    ax = plots.distance_curves(curves, title="FID")
    assert isinstance(ax, plt.Axes)
    assert [line.get_label() for line in ax.get_lines()] == ["small", "big"]
    assert ax.get_lines()[0].get_xdata().tolist() == [10, 20, 30]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "generator steps" and ax.get_title() == "FID"
    fig, axis = plt.subplots()
    by_time = plots.distance_curves(curves, ax=axis, x="seconds")
    assert by_time is axis and by_time.get_xlabel() == "training seconds"
    assert by_time.get_lines()[1].get_xdata().tolist() == [2.0, 4.0]


@pytest.mark.bad_input
def test_grid_and_curves_refuse_bad_arguments():
    with pytest.raises(ValueError, match="ncols must be at least 1"):
        plots.grid_canvas(np.zeros((4, 28, 28, 1), np.float32), ncols=0)
    with pytest.raises(ValueError, match="x must be one of"):
        plots.distance_curves({}, x="epochs")


# -- samples_2d -------------------------------------------------------------------------------------------

def test_samples_2d_draws_samples_given_as_an_array():
    from ganlab import data

    ring = data.ring()
    drawn = np.random.default_rng(0).normal(0, 0.5, (300, 2)).astype(np.float32)
    ax = plots.samples_2d(drawn, ring, n_samples=200, title="given")
    generated = ax.collections[-1].get_offsets()
    np.testing.assert_array_equal(np.asarray(generated), drawn[:200])
    assert ax.get_title() == "given" and not ax.images  # no discriminator, so no heat map
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plots.samples_2d(drawn[:, :1], ring)


def test_interpolation_draws_from_the_network_that_sample_uses(image_models):
    from ganlab.training import GAN

    gan = GAN(*image_models, seed=0, ema_decay=0.99)
    for weight in gan.ema_generator.weights:  # an average that makes mid-grey images only
        weight.assign(np.zeros(weight.shape, weight.dtype))
    assert np.abs(gan.sample(4)).max() == 0.0 and np.abs(gan.sample(4, raw=True)).max() > 0.0
    ax = plots.interpolation(gan, rows=2, steps=5, seed=0)
    canvas = ax.images[0].get_array()
    cells = [canvas[1 + 29 * r:29 * (r + 1), 1 + 29 * c:29 * (c + 1)] for r in range(2) for c in range(5)]
    assert all(np.ptp(cell) == 0 for cell in cells)  # every image flat: drawn from the average, not the raw G
