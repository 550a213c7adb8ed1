"""Discriminator rejection sampling: let the trained discriminator veto the generator's samples (notebook 04).

The optimal discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x)), so its
logit is log(p_data(x) / p_g(x)): it knows *where* the generator puts too much
mass. Rejection sampling turns that into better samples. Draw x from the
generator and keep it with probability p_data(x) / (M p_g(x)) = exp(logit(x) - log M),
where M bounds the ratio; the kept samples then follow p_data exactly. This is
Discriminator Rejection Sampling (Azadi et al., 2019, "Discriminator Rejection
Sampling", ICLR; the paper also shifts the acceptance probability to trade
exactness for a higher acceptance rate, which ganlab leaves out).

A discriminator at the end of training is far from D*: the game pushed it
towards 1/2 everywhere. As in the paper, it is first trained further with the
generator held fixed (:func:`refit_discriminator`), on a copy, so the GAN is
left as it was. log M is not known; it is estimated as the largest logit seen
and raised whenever a larger one turns up.
"""
from __future__ import annotations

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from ganlab import losses
from ganlab._checks import positive_float, positive_int, samples
from ganlab.models.diversity import pack_size


def _per_sample(gan, discriminator) -> keras.Model:
    """``discriminator``, if it gives one logit per sample of ``gan``'s generator; a clear error if not."""
    if pack_size(discriminator) != 1:
        raise ValueError(f"The discriminator judges {pack_size(discriminator)} samples at once (PacGAN), so it has no "
                         "logit for a single sample. Rejection sampling needs one: use a GAN whose discriminator "
                         "takes one sample at a time.")
    expected = tuple(gan.sample_shape)
    if tuple(discriminator.input_shape[1:]) != expected:
        raise ValueError(f"discriminator takes inputs of shape {tuple(discriminator.input_shape[1:])} but the "
                         f"generator makes samples of shape {expected}: pass the discriminator trained with it.")
    return discriminator


def refit_discriminator(gan, real, steps: int = 3000, batch_size: int = 1024, learning_rate: float = 3e-3,
                        seed: int = 0) -> keras.Model:
    """A copy of ``gan.discriminator`` trained on, with the generator fixed, so that its logit estimates log p_data/p_g.

    Each step draws ``batch_size`` samples of ``real`` (an array of real samples)
    and as many fresh generated ones, and takes one Adam step on the plain
    cross-entropy of real against fake, with no penalty; the learning rate falls
    along a cosine to 1% of ``learning_rate``. The generated samples come from
    ``gan.sampling_generator``, the network that ``gan.sample`` (and so
    :func:`rejection_sample`) draws from. The GAN itself is not changed.
    """
    steps = positive_int("steps", steps, example=3000)
    batch_size = positive_int("batch_size", batch_size, example=1024)
    learning_rate = positive_float("learning_rate", learning_rate)
    _per_sample(gan, gan.discriminator)
    real = samples("real", real, gan.sample_shape, "the generator's samples")

    discriminator = keras.models.clone_model(gan.discriminator)
    discriminator.set_weights(gan.discriminator.get_weights())
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.01)
    optimizer = keras.optimizers.Adam(schedule, beta_1=0.5)
    optimizer.build(discriminator.trainable_variables)
    real = tf.constant(real)
    generator = gan.sampling_generator  # the network whose samples rejection_sample draws

    @tf.function
    def run(first, count):  # `count` steps in one call: the loop stays in TensorFlow, away from Python
        for i in tf.range(first, first + count):
            key = tf.stack([tf.constant(seed, tf.int64), i])
            pick = tf.random.stateless_uniform((batch_size,), key, maxval=real.shape[0], dtype=tf.int64)
            noise = tf.random.stateless_normal((batch_size, gan.latent_dim), seed=key + 1)
            fake = generator(noise, training=False)
            with tf.GradientTape() as tape:
                loss = losses.discriminator_loss(discriminator(tf.gather(real, pick), training=True),
                                                 discriminator(fake, training=True))
            variables = discriminator.trainable_variables
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))

    chunk = 500
    for first in range(0, steps, chunk):
        run(tf.constant(first, tf.int64), tf.constant(min(chunk, steps - first), tf.int64))
    return discriminator


@dataclasses.dataclass(frozen=True)
class Rejection:
    """The kept samples, and how many candidates it took to get them."""

    samples: np.ndarray
    draws: int  # candidates generated after the burn-in

    @property
    def acceptance(self) -> float:
        """The fraction of candidates kept."""
        return len(self.samples) / self.draws


def rejection_sample(gan, n: int, discriminator=None, seed: int = 0, batch_size: int = 10_000,
                     max_draws: int = 10_000_000) -> Rejection:
    """``n`` samples of ``gan``'s generator, each candidate kept with probability exp(logit - log M).

    ``discriminator`` scores the candidates (default: the GAN's own; a
    :func:`refit_discriminator` copy is better). A burn-in of ``batch_size``
    candidates sets log M; later batches raise it if they hold a larger logit.
    Raises ``RuntimeError`` if ``max_draws`` candidates do not yield ``n`` samples.
    """
    n = positive_int("n", n, example=2500)
    batch_size = positive_int("batch_size", batch_size, example=10_000)
    max_draws = positive_int("max_draws", max_draws, example=10_000_000)
    discriminator = _per_sample(gan, gan.discriminator if discriminator is None else discriminator)
    rng = np.random.default_rng(seed)

    def candidates():
        x = gan.sample(batch_size, seed=int(rng.integers(2**63)))
        logits = keras.ops.convert_to_numpy(discriminator.predict(x, batch_size=1024, verbose=0))
        return x, logits[:, 0].astype(np.float64)

    log_m = candidates()[1].max()
    kept, count, draws = [], 0, 0
    while count < n:
        if draws >= max_draws:
            raise RuntimeError(f"Only {count} of n={n} samples were kept from {draws:,} candidates (acceptance "
                               f"{count / draws:.2g}). The discriminator rejects almost everything: refit it for "
                               "fewer steps, or raise max_draws.")
        x, logits = candidates()
        log_m = max(log_m, logits.max())
        kept_at = np.flatnonzero(rng.random(len(x)) < np.exp(logits - log_m))[:n - count]
        count += len(kept_at)
        # the batch that completes n counts its candidates only up to the n-th sample kept
        draws += kept_at[-1] + 1 if count == n else len(x)
        kept.append(x[kept_at])
    return Rejection(np.concatenate(kept), int(draws))
