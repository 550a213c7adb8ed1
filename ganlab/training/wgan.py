"""``WGAN``: a critic instead of a discriminator, under a Lipschitz constraint (notebook 03), and ``train_critic``,
which trains a critic alone between two fixed sets of samples."""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ganlab import losses
from ganlab._checks import one_of, positive_float, positive_int, samples
from ganlab.training.gan import GAN

CONSTRAINTS = ("gradient_penalty", "clipping")


def default_optimizer(constraint: str) -> keras.optimizers.Optimizer:
    """The paper's optimizer: RMSprop 5e-5 for clipping, Adam 1e-4 with beta (0, 0.9) for the penalty."""
    if constraint == "clipping":
        return keras.optimizers.RMSprop(learning_rate=5e-5)
    return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.0, beta_2=0.9)


class WGAN(GAN):
    """A Wasserstein GAN: a critic instead of a discriminator, and a Lipschitz constraint.

    Args:
        generator, critic: as for :class:`GAN`; the critic outputs one score per sample.
        constraint: ``"gradient_penalty"`` (WGAN-GP, Gulrajani et al., 2017) or
            ``"clipping"`` (the original WGAN, Arjovsky et al., 2017).
        critic_steps: critic updates per generator update (5 in both papers).
        penalty_weight: lambda of the gradient penalty (10 in the paper).
        clip_value: c, the bound on every critic weight under clipping (0.01 in the paper).

    No moving average of the generator unless ``ema_decay`` is given here.
    Default optimizers (``compile()`` with none given) are the papers': RMSprop 5e-5
    for clipping, Adam 1e-4 with beta_1 = 0, beta_2 = 0.9 for the penalty.
    Logged: ``critic_loss``, ``g_loss``, ``wasserstein`` (E[f(x)] - E[f(G(z))], the
    critic's estimate of the distance) and, with the penalty, ``gradient_penalty``; the critic's
    values are means over the step's critic updates.
    """

    CONSTRAINTS = CONSTRAINTS

    def __init__(self, generator: keras.Model, critic: keras.Model, constraint: str = "gradient_penalty",
                 critic_steps: int = 5, penalty_weight: float = 10.0, clip_value: float = 0.01,
                 seed: int | None = None, ema_decay: float | None = None, name: str = "wgan", **kwargs):
        constraint = one_of("constraint", constraint, CONSTRAINTS)
        logged = ("critic_loss", "g_loss", "wasserstein") + (
            ("gradient_penalty",) if constraint == "gradient_penalty" else ())
        super().__init__(generator, critic, discriminator_steps=positive_int("critic_steps", critic_steps, example=5),
                         generator_loss=losses.wasserstein_generator_loss, seed=seed, ema_decay=ema_decay,
                         logged=logged, name=name, **kwargs)
        self.constraint = constraint
        self.penalty_weight = positive_float("penalty_weight", penalty_weight)
        self.clip_value = positive_float("clip_value", clip_value)

    @property
    def critic(self) -> keras.Model:
        return self.discriminator

    default_optimizer = staticmethod(default_optimizer)

    def default_optimizers(self):
        return default_optimizer(self.constraint), default_optimizer(self.constraint)

    def discriminator_loss(self, batch, draw: int = 0):
        """The critic's loss E f(G(z)) - E f(x), plus :meth:`penalty` under the gradient penalty."""
        real = batch["real"]
        fake = self.generator(self.noise(tf.shape(real)[0], draw), training=True)
        real_scores = self.critic(real, training=True)
        fake_scores = self.critic(fake, training=True)
        loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
        logs = {"wasserstein": tf.reduce_mean(tf.cast(real_scores, tf.float32))
                - tf.reduce_mean(tf.cast(fake_scores, tf.float32))}
        if self.constraint == "gradient_penalty":
            logs["gradient_penalty"] = self.penalty(real, fake, draw)
            loss = loss + logs["gradient_penalty"]
        logs["critic_loss"] = loss
        return loss, logs

    def penalty(self, real, fake, draw: int = 0):
        """lambda * E[(||grad f(x_hat)|| - 1)^2] (:func:`ganlab.losses.gradient_penalty`), its interpolation
        weights drawn from (seed, step, ``draw``, replica), so that a resumed run draws the same."""
        return losses.gradient_penalty(self.critic, real, fake, self.penalty_weight, seed=self.penalty_key(draw))

    def penalty_key(self, draw: int = 0):
        """The stateless seed of the interpolation weights of critic update ``draw`` of this step."""
        return self.random_key(7919, draw)

    def after_discriminator_update(self) -> None:
        if self.constraint == "clipping":
            losses.clip_weights(self.critic, self.clip_value)


def train_critic(critic: keras.Model, real, fake, constraint: str = "gradient_penalty", steps: int = 2000,
                 batch_size: int = 256, penalty_weight: float = 10.0, clip_value: float = 0.01, optimizer=None,
                 seed: int = 0) -> np.ndarray:
    """Train a critic alone, towards optimality, between two fixed sets of samples (notebook 03).

    The generator is held fixed: ``fake`` stands for its samples. Each step draws a
    batch from each set and takes one step on the WGAN critic loss, with the gradient
    penalty or followed by weight clipping, and the optimizer ``WGAN`` would use
    (Adam 1e-4, beta (0, 0.9) for the penalty; RMSprop 5e-5 for clipping). This
    isolates what each constraint lets the critic learn (Gulrajani et al., 2017,
    figure 1). Returns the batch estimate E f(real) - E f(fake) at every step.
    """
    constraint = one_of("constraint", constraint, CONSTRAINTS)
    steps = positive_int("steps", steps, example=2000)
    batch_size = positive_int("batch_size", batch_size, example=256)
    penalty_weight = positive_float("penalty_weight", penalty_weight)
    clip_value = positive_float("clip_value", clip_value)
    real = samples("real", real, critic.input_shape[1:], "the critic's input")
    fake = samples("fake", fake, critic.input_shape[1:], "the critic's input")
    optimizer = optimizer or default_optimizer(constraint)
    if not optimizer.built:  # built here, not inside the first call, which would make TensorFlow trace it twice
        optimizer.build(critic.trainable_variables)

    @tf.function
    def step(real_batch, fake_batch, key):
        with tf.GradientTape() as tape:
            real_scores = critic(real_batch, training=True)
            fake_scores = critic(fake_batch, training=True)
            loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
            if constraint == "gradient_penalty":
                loss += losses.gradient_penalty(critic, real_batch, fake_batch, penalty_weight, seed=key)
        optimizer.apply_gradients(zip(tape.gradient(loss, critic.trainable_variables), critic.trainable_variables))
        if constraint == "clipping":
            losses.clip_weights(critic, clip_value)
        return tf.reduce_mean(real_scores) - tf.reduce_mean(fake_scores)

    rng = np.random.default_rng(seed)
    estimates = np.empty(steps)
    for i in range(steps):
        real_batch = real[rng.integers(0, len(real), batch_size)]
        fake_batch = fake[rng.integers(0, len(fake), batch_size)]
        estimates[i] = float(step(real_batch, fake_batch, tf.constant([seed, i], tf.int64)))
    return estimates
