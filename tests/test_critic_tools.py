"""Notebook 03's measuring tools: JS and W1 on known cases, a critic trained alone, per-layer gradients."""
import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import stats

import ganlab
from ganlab.views import callbacks, plots
from ganlab import data, metrics, models
from ganlab.training import WGAN, train_critic


def gaussian(xs, mean, std=0.1):
    return stats.norm.pdf(xs, mean, std)


XS = np.linspace(-3, 6, 9001)


# -- the Jensen-Shannon divergence ---------------------------------------------------------------------------

def test_js_is_zero_for_equal_densities_and_log2_for_disjoint_ones():
    assert metrics.js_divergence(gaussian(XS, 0), gaussian(XS, 0), XS) == pytest.approx(0, abs=1e-12)
    assert metrics.js_divergence(gaussian(XS, 0), gaussian(XS, 3), XS) == pytest.approx(np.log(2), abs=1e-9)


def test_js_is_symmetric_and_grows_with_the_overlap_lost():
    values = [metrics.js_divergence(gaussian(XS, 0), gaussian(XS, shift), XS) for shift in (0.05, 0.1, 0.2, 0.4)]
    assert np.all(np.diff(values) > 0) and values[-1] < np.log(2)
    assert metrics.js_divergence(gaussian(XS, 0.2), gaussian(XS, 0), XS) == pytest.approx(values[2])


@pytest.mark.bad_input
@pytest.mark.parametrize("p, q, xs, phrase", [
    (np.ones(5), np.ones(4), np.arange(5.0), "one length"),
    (-np.ones(5), np.ones(5), np.arange(5.0), "non-negative"),
    (np.zeros(5), np.ones(5), np.arange(5.0), "not zero everywhere"),
])
def test_js_refuses_what_is_not_a_density(p, q, xs, phrase):
    with pytest.raises(ValueError, match=phrase):
        metrics.js_divergence(p, q, xs)


# -- the exact Wasserstein distance between samples -------------------------------------------------------------

def test_wasserstein_empirical_matches_scipy_in_one_dimension():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 300), rng.exponential(1, 300)
    assert metrics.wasserstein_empirical(a, b) == pytest.approx(stats.wasserstein_distance(a, b), rel=1e-9)


def test_wasserstein_empirical_of_a_shift_is_its_length():
    a = np.random.default_rng(1).normal(0, 1, (200, 2))
    assert metrics.wasserstein_empirical(a, a + [3.0, 4.0]) == pytest.approx(5.0, rel=1e-9)


@pytest.mark.bad_input
def test_wasserstein_empirical_refuses_unequal_or_huge_samples():
    with pytest.raises(ValueError, match="one shape"):
        metrics.wasserstein_empirical(np.zeros((5, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="random subset"):
        metrics.wasserstein_empirical(np.zeros((6000, 1)), np.zeros((6000, 1)))


# -- a critic's estimate and gradients ----------------------------------------------------------------------------

def linear_critic(weights, bias=0.0):
    inputs = keras.Input((len(weights),))
    layer = keras.layers.Dense(1)
    outputs = layer(inputs)
    layer.kernel.assign(np.asarray(weights, np.float32)[:, None])
    layer.bias.assign([bias])
    return keras.Model(inputs, outputs)


def test_critic_estimate_of_a_linear_critic_is_the_projected_mean_gap():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(1, 1, (500, 2)), rng.normal(0, 1, (400, 2))
    critic = linear_critic([2.0, -1.0], bias=5.0)
    expected = (real.mean(0) - fake.mean(0)) @ [2.0, -1.0]
    assert metrics.critic_estimate(critic, real, fake) == pytest.approx(expected, rel=1e-4)


def test_layer_gradient_norms_of_the_output_layer_is_known():
    # d(mean f(fake) - mean f(real)) / d f(x_i) = +-1/n for each of the n real and n fake samples
    n = 50
    critic = linear_critic([1.0, 1.0])
    norms = metrics.layer_gradient_norms(critic, np.ones((n, 2)), np.zeros((n, 2)))
    assert norms.shape == (1,) and norms[0] == pytest.approx(np.sqrt(2 * n) / n, rel=1e-5)


def test_layer_gradient_norms_shrink_through_layers_of_small_weights():
    ganlab.seed(0)
    critic = models.mlp_discriminator(input_shape=(2,), hidden_units=(32, 32, 32), dropout=0)
    for variable in critic.trainable_variables:
        variable.assign(np.full(variable.shape, 0.01, np.float32))
    norms = metrics.layer_gradient_norms(critic, np.ones((20, 2)), -np.ones((20, 2)))
    assert norms.shape == (4,)
    assert np.all(np.diff(np.log10(norms)) > 0.4)  # each layer down the stack: a factor 32 * 0.01 (and the leak)


# -- a critic trained alone --------------------------------------------------------------------------------------

def test_a_penalised_critic_estimates_the_distance_between_two_blobs():
    # 2-D on purpose: in 1-D a critic that starts with the wrong slope cannot turn round without passing
    # through slope 0, where the penalty is lambda; in 2-D its gradient can rotate.
    ganlab.seed(0)
    real = np.random.default_rng(0).normal(0, 0.05, (1000, 2)).astype("float32")
    fake = real + np.float32([1.2, 1.6])  # a shift of length 2: W1 = 2
    critic = models.mlp_discriminator(input_shape=(2,), hidden_units=(32,), dropout=0)
    estimates = train_critic(critic, real, fake, "gradient_penalty", steps=300, batch_size=128,
                             optimizer=keras.optimizers.Adam(1e-2, beta_1=0.0, beta_2=0.9))
    assert estimates.shape == (300,)
    assert metrics.critic_estimate(critic, real, fake) == pytest.approx(2.0, rel=0.15)


def test_a_clipped_critic_keeps_its_weights_in_bounds():
    ganlab.seed(0)
    real = data.ring().sample(500, seed=0)
    critic = models.mlp_discriminator(input_shape=(2,), hidden_units=(16,), dropout=0)
    train_critic(critic, real, real * 0.5, "clipping", steps=20, clip_value=0.05,
                 optimizer=keras.optimizers.RMSprop(1e-2))
    weights = np.concatenate([v.numpy().ravel() for v in critic.trainable_variables])
    assert np.abs(weights).max() <= 0.05 + 1e-7 and np.isclose(np.abs(weights).max(), 0.05)


@pytest.mark.bad_input
@pytest.mark.parametrize("kwargs, error, phrase", [
    ({"constraint": "clip"}, ValueError, "constraint"),
    ({"steps": 0}, ValueError, "steps"),
    ({"real": np.zeros((10, 3))}, ValueError, r"real must be samples of shape \(n, 2\)"),
    ({"fake": np.full((10, 2), np.nan)}, ValueError, "fake holds NaN"),
])
def test_train_critic_refuses_bad_input(kwargs, error, phrase):
    critic = models.mlp_discriminator(input_shape=(2,), hidden_units=(4,), dropout=0)
    arguments = {"real": np.zeros((10, 2)), "fake": np.ones((10, 2)), **kwargs}
    with pytest.raises(error, match=phrase):
        train_critic(critic, **arguments)


# -- the estimate over training, beside the distance ------------------------------------------------------------

def test_critic_estimate_callback_records_every_n_steps():
    ganlab.seed(0)
    ring = data.ring()
    gan = WGAN(models.mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(8,), output_activation=None),
               models.mlp_discriminator(input_shape=(2,), hidden_units=(8,), dropout=0), critic_steps=2)
    gan.compile()
    estimate = callbacks.CriticEstimate(ring.sample(200, seed=1), every=3, n_samples=100)
    history = gan.fit(ring.dataset(batch_size=32, n_samples=320), epochs=2, callbacks=[estimate], verbose=0)
    assert estimate.steps == [3, 6, 9, 10, 12, 15, 18, 20]
    assert len(estimate.values) == 8 and np.all(np.isfinite(estimate.values))
    assert history.history["critic_estimate"] == [estimate.values[3], estimate.values[7]]


@pytest.mark.bad_input
def test_critic_estimate_callback_needs_enough_real_samples():
    with pytest.raises(ValueError, match="fewer than n_samples=100"):
        callbacks.CriticEstimate(np.zeros((10, 2)), n_samples=100)


# -- plots ---------------------------------------------------------------------------------------------------------

def test_value_surface_draws_the_critic_over_the_plane():
    critic = linear_critic([1.0, 0.0])
    ax = plots.value_surface(critic, data.ring().sample(100, seed=0), reach=2.0, resolution=50)
    image = ax.images[0].get_array()
    assert image.shape == (50, 50)
    assert np.allclose(image[0], np.linspace(-2, 2, 50), atol=1e-5)  # f(x, y) = x along every row
    plt.close("all")


@pytest.mark.bad_input
def test_plot_helpers_refuse_mismatched_data():
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plots.value_surface(linear_critic([1.0, 0.0]), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="one value per x"):
        plots.curves(np.arange(3), {"a": np.arange(4)})
    plt.close("all")


def test_layer_norms_and_curves_plot_the_values_given():
    ax = plots.layer_norms({"run": [1.0, 10.0, 100.0]})
    assert np.allclose(ax.lines[0].get_ydata(), [0, 1, 2])
    ax = plots.curves([0, 1], {"a": [2, 3]})
    assert np.allclose(ax.lines[0].get_ydata(), [2, 3])
    plt.close("all")
