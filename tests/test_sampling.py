"""ganlab.experiments.sampling: discriminator rejection sampling recovers the data from a generator and an exact D."""
import keras
import numpy as np
import pytest
from scipy import stats

from ganlab import models
from ganlab.experiments import sampling
from ganlab.training import GAN


def identity_gan(discriminator):
    """A GAN whose generator passes its N(0, 1) noise through unchanged: p_g is N(0, 1)."""
    generator = models.mlp_generator(latent_dim=1, output_shape=(1,), hidden_units=(), output_activation=None,
                                     batch_norm=False)
    generator.set_weights([np.ones((1, 1), np.float32), np.zeros(1, np.float32)])
    return GAN(generator, discriminator)


def exact_discriminator(mean=1.0, std=0.5):
    """The optimal D against p_g = N(0, 1) for p_data = N(mean, std^2): its logit is log p_data(x) / p_g(x)."""
    x = keras.Input((1,))
    log_ratio = keras.layers.Lambda(
        lambda x: -keras.ops.square(x - mean) / (2 * std**2) - np.log(std) + keras.ops.square(x) / 2,
        output_shape=(1,))(x)
    return keras.Model(x, log_ratio)


def test_rejection_with_the_exact_discriminator_samples_the_data():
    gan = identity_gan(exact_discriminator(1.0, 0.5))
    result = sampling.rejection_sample(gan, 4000, seed=3)
    samples = result.samples[:, 0]
    assert result.samples.shape == (4000, 1)
    # the generator's N(0, 1) became N(1, 0.25): a KS test cannot tell the kept samples from the data
    assert stats.kstest(samples, stats.norm(1.0, 0.5).cdf).pvalue > 0.01
    assert stats.kstest(samples, stats.norm(0.0, 1.0).cdf).pvalue < 1e-10
    # the acceptance rate is 1/M, M = max p_data/p_g = 2 exp(2/3) = 3.9 (at x = 4/3)
    assert 1 / 3.9 * 0.9 < result.acceptance < 1 / 3.9 * 1.1
    assert result.draws >= 4000


def test_the_same_seed_gives_the_same_samples():
    gan = identity_gan(exact_discriminator())
    first, second = (sampling.rejection_sample(gan, 500, seed=7) for _ in range(2))
    np.testing.assert_array_equal(first.samples, second.samples)
    assert first.draws == second.draws
    assert not np.array_equal(first.samples, sampling.rejection_sample(gan, 500, seed=8).samples)


def test_refit_moves_a_copy_towards_the_density_ratio_and_leaves_the_gan_alone():
    discriminator = models.mlp_discriminator(input_shape=(1,), hidden_units=(16, 16), dropout=0)
    gan = identity_gan(discriminator)
    before = [w.copy() for w in discriminator.get_weights()]
    real = np.random.default_rng(0).normal(2.0, 0.5, (5000, 1)).astype(np.float32)
    refitted = sampling.refit_discriminator(gan, real, steps=600, batch_size=256, learning_rate=3e-3)
    logits = refitted.predict(np.array([[-1.0], [0.0], [2.0]], np.float32), verbose=0)[:, 0]
    # log p_data/p_g is about -20 at -1, -8 at 0 and +3 at 2
    assert logits[2] > 1.5 and logits[0] < logits[1] < 0 < logits[2]
    for old, new in zip(before, discriminator.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert refitted is not discriminator


def test_packed_discriminators_are_refused_with_a_reason():
    packed = models.packed(models.mlp_discriminator(input_shape=(4,), hidden_units=(8,), dropout=0), 2)
    gan = identity_gan(models.mlp_discriminator(input_shape=(1,), hidden_units=(8,), dropout=0))
    with pytest.raises(ValueError, match="2 samples at once"):
        sampling.rejection_sample(gan, 10, packed)


def test_bad_input_is_named():
    gan = identity_gan(exact_discriminator())
    with pytest.raises(ValueError, match="n"):
        sampling.rejection_sample(gan, 0)
    with pytest.raises(ValueError, match=r"real must be samples of shape \(n, 1\)"):
        sampling.refit_discriminator(gan, np.zeros((10, 2)), steps=1)
    with pytest.raises(ValueError, match="NaN"):
        sampling.refit_discriminator(gan, np.full((10, 1), np.nan), steps=1)
    wrong = models.mlp_discriminator(input_shape=(3,), hidden_units=(8,), dropout=0)
    with pytest.raises(ValueError, match="the discriminator trained with it"):
        sampling.rejection_sample(gan, 10, wrong)


def test_a_discriminator_that_rejects_almost_everything_stops_with_advice():
    def picky(x):  # one narrow spike where the generator rarely goes
        return -1e4 * keras.ops.square(x - 3.0)

    x = keras.Input((1,))
    gan = identity_gan(keras.Model(x, keras.layers.Lambda(picky, output_shape=(1,))(x)))
    with pytest.raises(RuntimeError, match="max_draws"):
        sampling.rejection_sample(gan, 1000, batch_size=1000, max_draws=5000)
