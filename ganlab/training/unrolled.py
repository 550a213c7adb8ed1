"""``UnrolledGAN``: a generator scored by the discriminator several updates ahead (Metz et al., 2017; notebook 04)."""
from __future__ import annotations

import keras
import tensorflow as tf

from ganlab._checks import positive_float, positive_int
from ganlab.training.gan import GAN


class UnrolledGAN(GAN):
    """A GAN whose generator looks ahead: it is scored by the discriminator ``unroll_steps`` updates later.

    Before each generator update the discriminator's next ``unroll_steps`` updates are
    simulated (on tensors, with plain gradient descent at ``unroll_learning_rate``; the real
    discriminator is not changed), and the generator's loss is taken against that future
    discriminator, differentiated through the simulated updates. A generator that crowds onto
    one mode is then penalised for the discriminator's answer to it, not rewarded by today's
    discriminator, which is what drives collapse (notebook 04). Each generator step costs about
    ``unroll_steps`` extra discriminator steps, and their second-order gradients. With
    ``unroll_steps=0`` this is a plain :class:`GAN`.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, unroll_steps: int = 5,
                 unroll_learning_rate: float = 1e-2, ema_decay: float | None = None, name: str = "unrolled_gan",
                 **kwargs):
        super().__init__(generator, discriminator, ema_decay=ema_decay, name=name, **kwargs)
        self.unroll_steps = positive_int("unroll_steps", unroll_steps, minimum=0, example=5)
        self.unroll_learning_rate = positive_float("unroll_learning_rate", unroll_learning_rate)

    def generator_loss(self, batch, draw: int = -1):
        """G's loss against D after ``unroll_steps`` simulated updates on the step's last real minibatch."""
        if self.unroll_steps == 0:
            return super().generator_loss(batch, draw)
        real = batch["real"]
        n = tf.shape(real)[0]
        judge = self.discriminator
        frozen = list(judge.non_trainable_variables)
        weights = [tf.convert_to_tensor(v) for v in judge.trainable_variables]
        for i in range(self.unroll_steps):
            fake = self.generator(self.noise(n, draw + 1 + i), training=True)
            with tf.GradientTape() as inner:
                inner.watch(weights)
                real_logits, _ = judge.stateless_call(weights, frozen, real, training=True)
                fake_logits, _ = judge.stateless_call(weights, frozen, fake, training=True)
                loss = self.judge_loss(real_logits, fake_logits)
            gradients = inner.gradient(loss, weights)
            weights = [w - self.unroll_learning_rate * g for w, g in zip(weights, gradients)]
        fake = self.generator(self.noise(n, draw), training=True)
        fake_logits, _ = judge.stateless_call(weights, frozen, fake, training=True)
        loss = self.generator_loss_fn(fake_logits)
        return loss, {"g_loss": loss}
