"""WGAN losses, gradient penalty and weight clipping, checked against cases known by analysis."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

import ganlab
from ganlab import data, losses, models
from ganlab.training import WGAN


def linear_critic(weights, bias=0.0):
    """f(x) = w . x + b on flat inputs: its gradient is w everywhere."""
    weights = np.asarray(weights, np.float32)
    critic = keras.Sequential([keras.Input((len(weights),)), keras.layers.Dense(1)])
    critic.layers[0].kernel.assign(weights[:, None])
    critic.layers[0].bias.assign([bias])
    return critic


def test_wasserstein_losses_by_hand():
    real, fake = np.array([[1.0], [3.0]], np.float32), np.array([[-1.0], [0.0]], np.float32)
    assert float(losses.wasserstein_critic_loss(real, fake)) == pytest.approx(-0.5 - 2.0)
    assert float(losses.wasserstein_generator_loss(fake)) == pytest.approx(0.5)


def test_zero_gradient_gives_exactly_lambda():
    critic = linear_critic([0.0, 0.0, 0.0], bias=2.0)
    real, fake = np.random.default_rng(0).normal(size=(2, 16, 3)).astype(np.float32)
    assert float(losses.gradient_penalty(critic, real, fake, weight=10.0)) == 10.0
    assert float(losses.gradient_penalty(critic, real, fake, weight=3.0)) == 3.0


def test_unit_norm_gradient_gives_zero():
    critic = linear_critic([0.6, 0.8, 0.0])
    real, fake = np.random.default_rng(1).normal(size=(2, 16, 3)).astype(np.float32)
    assert float(losses.gradient_penalty(critic, real, fake)) == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("w", [[3.0, 4.0], [0.1, 0.0], [1.0, 1.0]])
def test_linear_critic_closed_form(w):
    critic = linear_critic(w)
    real, fake = np.random.default_rng(2).normal(size=(2, 32, 2)).astype(np.float32)
    expected = 10.0 * (math.hypot(*w) - 1.0) ** 2
    assert float(losses.gradient_penalty(critic, real, fake)) == pytest.approx(expected, rel=1e-5)


def test_norm_is_taken_over_all_non_batch_axes():
    gradients = np.zeros((2, 2, 2, 1), np.float32)
    gradients[0, 0, 0, 0] = 3.0
    gradients[0, 1, 1, 0] = 4.0  # sample 0: norm 5; sample 1: norm 0
    expected = 10.0 * ((5.0 - 1.0) ** 2 + (0.0 - 1.0) ** 2) / 2
    assert float(losses.gradient_penalty_from_gradients(gradients)) == pytest.approx(expected)


def test_penalty_gradient_is_finite_at_a_zero_gradient():
    gradients = tf.Variable(tf.zeros((4, 5)))
    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty_from_gradients(gradients)
    assert np.all(np.isfinite(tape.gradient(penalty, gradients).numpy()))


def test_interpolation_weights_are_uniform_per_sample():
    """x_hat recovers alpha when real = 1 and fake = 0; 20,000 draws must look U[0, 1] (and not N(0, 1))."""
    real, fake = np.ones((20000, 3), np.float32), np.zeros((20000, 3), np.float32)
    seen = {}

    class Spy(keras.layers.Layer):
        def call(self, x):
            seen["x"] = x
            return tf.reduce_sum(x, axis=1, keepdims=True)

    spy = keras.Sequential([keras.Input((3,)), Spy()])
    losses.gradient_penalty(spy, real, fake, seed=tf.constant([1, 2], tf.int64))
    mixed = seen["x"].numpy()
    assert np.allclose(mixed, mixed[:, :1])  # one alpha per sample, shared by its coordinates
    alpha = mixed[:, 0]
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0
    assert stats.kstest(alpha, "uniform").pvalue > 0.01
    assert stats.kstest(alpha, "norm").pvalue < 1e-6


def test_clipping_bounds_every_weight_after_an_update():
    ganlab.seed(0)
    critic = models.mlp_discriminator(input_shape=(2,), hidden_units=(32,), dropout=0.0)
    generator = models.mlp_generator(latent_dim=4, output_shape=(2,), hidden_units=(16,), output_activation=None,
                                     batch_norm=False)
    wgan = WGAN(generator, critic, constraint="clipping", clip_value=0.01, critic_steps=2)
    wgan.compile(discriminator_optimizer=keras.optimizers.SGD(1.0))  # huge steps: every weight wants out
    wgan.fit(data.ring().dataset(batch_size=64, n_samples=256), epochs=1, verbose=0)
    weights = np.concatenate([v.numpy().ravel() for v in critic.trainable_variables])
    assert np.abs(weights).max() <= 0.01 + 1e-7
    assert np.isclose(np.abs(weights).max(), 0.01)  # the bound is reached, so clipping did act


def test_wgan_gp_logs_estimate_and_penalty():
    ganlab.seed(0)
    critic = models.mlp_discriminator(input_shape=(2,), hidden_units=(16,), dropout=0.0)
    generator = models.mlp_generator(latent_dim=4, output_shape=(2,), hidden_units=(16,), output_activation=None,
                                     batch_norm=False)
    wgan = WGAN(generator, critic)
    wgan.compile()
    assert wgan.discriminator_steps == 5
    assert isinstance(wgan.discriminator_optimizer, keras.optimizers.Adam)
    assert float(wgan.discriminator_optimizer.beta_1) == 0.0 and float(wgan.discriminator_optimizer.beta_2) == 0.9
    history = wgan.fit(data.ring().dataset(batch_size=5 * 16, n_samples=5 * 16 * 4), epochs=1, verbose=0)
    assert set(history.history) == {"critic_loss", "g_loss", "wasserstein", "gradient_penalty"}
    assert all(np.isfinite(v[-1]) for v in history.history.values())


def test_clipping_defaults_are_the_papers():
    critic = models.mlp_discriminator(input_shape=(2,), hidden_units=(8,), dropout=0.0)
    generator = models.mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(8,), output_activation=None)
    wgan = WGAN(generator, critic, constraint="clipping")
    wgan.compile()
    assert isinstance(wgan.discriminator_optimizer, keras.optimizers.RMSprop)
    assert float(wgan.discriminator_optimizer.learning_rate) == pytest.approx(5e-5)
    assert wgan.clip_value == 0.01 and "gradient_penalty" not in [m.name for m in wgan.metrics]


@pytest.mark.bad_input
@pytest.mark.parametrize("kwargs, error, match", [
    ({"constraint": "spectral"}, ValueError, "constraint must be one of"),
    ({"critic_steps": 0}, ValueError, "critic_steps must be at least 1"),
    ({"penalty_weight": -1.0}, ValueError, "penalty_weight must be a finite number > 0"),
    ({"clip_value": 0.0}, ValueError, "clip_value must be a finite number > 0"),
])
def test_wgan_bad_arguments(kwargs, error, match):
    critic = models.mlp_discriminator(input_shape=(2,), hidden_units=(8,), dropout=0.0)
    generator = models.mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(8,), output_activation=None)
    with pytest.raises(error, match=match):
        WGAN(generator, critic, **kwargs)


def test_dcgan_critic_has_no_batch_norm():
    critic = models.dcgan_critic()
    kinds = {type(layer).__name__ for layer in critic.layers}
    assert "BatchNormalization" not in kinds and "GroupNormalization" in kinds
    assert critic.output_shape == (None, 1)
    assert "GroupNormalization" not in {type(l).__name__ for l in models.dcgan_critic(layer_norm=False).layers}


def test_the_critics_layer_norm_spans_height_width_and_channels():
    """As in WGAN-GP: each sample's whole feature map has mean 0 and variance 1 after the norm (before the learned
    per-channel scale and offset, which start at 1 and 0); per-pixel normalisation over channels alone would not
    make the map's mean 0 while leaving pixels unequal."""
    import numpy as np

    critic = models.dcgan_critic(width=4)
    norm = next(layer for layer in critic.layers if type(layer).__name__ == "GroupNormalization")
    assert tuple(norm.gamma.shape) == (8,)  # a scale per channel, as in LayerNormalization(axis=-1)
    x = np.random.default_rng(0).normal(2.0, 3.0, (5, 7, 7, 8)).astype("float32")
    y = keras.ops.convert_to_numpy(norm(x))
    np.testing.assert_allclose(y.mean(axis=(1, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(y.var(axis=(1, 2, 3)), 1, atol=1e-2)
    assert np.abs(y.mean(axis=-1)).max() > 0.1  # pixels are not each normalised on their own


def test_each_critic_update_of_a_step_draws_its_own_penalty_and_the_log_is_their_mean():
    ganlab.seed(0)
    critic = models.mlp_discriminator(input_shape=(2,), hidden_units=(16,), dropout=0.0)
    generator = models.mlp_generator(latent_dim=4, output_shape=(2,), hidden_units=(16,), output_activation=None,
                                     batch_norm=False)
    wgan = WGAN(generator, critic, critic_steps=3)
    keys = [tuple(np.asarray(wgan.penalty_key(draw))) for draw in range(3)]
    assert len(set(keys)) == 3  # three interpolations per step, not one drawn three times
    seen = []

    class Recording(WGAN):
        def penalty(self, real, fake, draw=0):
            value = super().penalty(real, fake, draw)
            seen.append(value)
            return value

    recording = Recording(generator, critic, critic_steps=3)
    recording.compile(run_eagerly=True)
    batch = data.ring().sample(3 * 16, seed=0).astype(np.float32)
    logs = recording.train_step(tf.constant(batch))
    assert len(seen) == 3
    assert float(logs["gradient_penalty"]) == pytest.approx(float(np.mean([float(v) for v in seen])), rel=1e-6)


def test_the_unrolled_generator_looks_ahead_on_the_real_minibatch_it_is_given():
    """The simulated discriminator updates train on the step's real minibatch: another minibatch, another
    look-ahead, another generator update (from the same weights and noise)."""
    from ganlab.training import UnrolledGAN

    updates = []
    for shift in (0.0, 3.0):
        ganlab.seed(0)
        generator = models.mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(8,), output_activation=None,
                                         batch_norm=False)
        gan = UnrolledGAN(generator, models.mlp_discriminator(input_shape=(2,), hidden_units=(8,), dropout=0.0),
                          unroll_steps=2, unroll_learning_rate=0.5, seed=1)
        gan.compile()
        before = [w.numpy().copy() for w in generator.trainable_weights]
        real = data.ring().sample(16, seed=0).astype(np.float32) + shift
        gan.generator_step(gan.unpack(tf.constant(real)), draw=1)
        updates.append(np.concatenate([(w.numpy() - b).ravel() for w, b in zip(generator.trainable_weights, before)]))
    assert np.abs(updates[0]).max() > 0 and np.abs(updates[0] - updates[1]).max() > 1e-3 * np.abs(updates[0]).max()
