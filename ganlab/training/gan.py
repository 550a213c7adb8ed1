"""``GAN``: the plain GAN of Goodfellow et al. (2014), trained with ``fit`` (notebook 01; later notebooks extend it).

One training step follows Algorithm 1 of the paper, through :class:`ganlab.training.core.Game`:

1. ``discriminator_steps`` (k) times: take the next k-th of the batch as real samples, draw as
   many noise vectors, and update D to lower ``discriminator_loss``;
2. draw fresh noise and update G to lower the generator loss.

With k = 1 the whole batch serves one D update. With k > 1 the batch is split, so every D update
sees different real samples, as in the algorithm: pass batches of k x m to get D minibatches of m.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ganlab import losses
from ganlab._checks import one_of, positive_float, positive_int
from ganlab.models.diversity import pack_size
from ganlab.models.networks import predict
from ganlab.training.core import Game


class GAN(Game):
    """A generative adversarial network: G maps noise to samples, D samples to logits.

    Args:
        generator: a Keras model mapping noise (batch, latent_dim) to samples.
        discriminator: a Keras model mapping samples to logits (batch, 1).
        discriminator_steps: k, discriminator updates per generator update.
        generator_loss: "non_saturating" (default) or "minimax" (the saturating
            loss of the original value function), or a function of fake logits.
        seed: seed of the noise drawn during training (``None``: a random one).
        r1_weight: gamma of the R1 penalty gamma / 2 * E||grad D(real)||^2 added to D's loss
            (Mescheder et al., 2018; ``losses.r1_penalty``); 0 (the default) adds none.
        ema_decay: keep ``ema_generator``, an exponential moving average of the generator's weights,
            and draw ``sample`` from it; ``None`` (the default) keeps none.

    Logged each step: ``d_loss``, ``g_loss``, ``d_real`` (mean D(x) on real samples) and ``d_fake``
    (mean D(G(z))), each the mean over the step's k discriminator updates. At the equilibrium both
    D values are 1/2.
    """

    logged = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(self, generator: keras.Model, discriminator: keras.Model, discriminator_steps: int = 1,
                 generator_loss="non_saturating", seed: int | None = None, r1_weight: float = 0.0,
                 ema_decay: float | None = None, name: str = "gan", **kwargs):
        super().__init__(generator, discriminator, discriminator_steps=discriminator_steps, seed=seed,
                         ema_decay=ema_decay, name=name, **kwargs)
        if callable(generator_loss):
            self.generator_loss_fn = generator_loss
        else:
            self.generator_loss_fn = losses.GENERATOR_LOSSES[one_of("generator_loss", generator_loss,
                                                                    losses.GENERATOR_LOSSES)]
        self.r1_weight = positive_float("r1_weight", r1_weight, allow_zero=True)

    def check_models(self, generator: keras.Model, discriminator: keras.Model) -> None:
        """G maps one noise input (batch, latent_dim) to samples; D maps samples of that shape to one logit each."""
        if len(generator.inputs) != 1 or len(generator.input_shape) != 2:
            raise ValueError(f"generator must take one noise input of shape (batch, latent_dim), "
                             f"got {generator.input_shape}.")
        sample_shape = tuple(generator.output_shape[1:])
        if tuple(discriminator.input_shape[1:]) != sample_shape:
            raise ValueError(f"generator makes samples of shape {sample_shape} but discriminator expects "
                             f"{tuple(discriminator.input_shape[1:])}: build both for the same data shape.")
        if tuple(discriminator.output_shape[1:]) != (1,):
            raise ValueError(f"discriminator must output one logit per sample, shape (batch, 1), got "
                             f"{discriminator.output_shape}. End it with Dense(1) and no sigmoid: the losses take "
                             "logits.")

    # -- the two losses ------------------------------------------------------------------------------
    def discriminator_loss(self, batch, draw: int = 0):
        """D's binary cross-entropy on the real batch and as many generated samples (plus R1 if asked)."""
        real = batch["real"]
        fake = self.generator(self.noise(tf.shape(real)[0], draw), training=True)
        real_logits = self.discriminator(real, training=True)
        fake_logits = self.discriminator(fake, training=True)
        loss = self.judge_loss(real_logits, fake_logits, real=real, fake=fake, draw=draw)
        return loss, {"d_loss": loss, "d_real": _mean_probability(real_logits),
                      "d_fake": _mean_probability(fake_logits)}

    def judge_loss(self, real_logits, fake_logits, real=None, fake=None, draw: int = 0):
        """D's loss from its outputs, plus the R1 penalty on ``real`` when ``r1_weight`` > 0; kinds that add terms
        needing the samples (the WGAN's gradient penalty) override it."""
        loss = losses.discriminator_loss(real_logits, fake_logits)
        if self.r1_weight and real is not None:
            loss = loss + losses.r1_penalty(self.discriminator, real, self.r1_weight,
                                            pack=pack_size(self.discriminator))
        return loss

    def generator_loss(self, batch, draw: int = -1):
        """G's loss on as many fresh noise vectors as the last real minibatch held."""
        fake = self.generator(self.noise(tf.shape(batch["real"])[0], draw), training=True)
        loss = self.generator_loss_fn(self.discriminator(fake, training=True))
        return loss, {"g_loss": loss}

    # -- using the trained model -------------------------------------------------------------------
    def sample(self, n: int, seed: int | None = 0, batch_size: int = 1024, raw: bool = False) -> np.ndarray:
        """Draw ``n`` samples as a NumPy array (n, *sample_shape); the same seed gives the same noise.

        They come from ``sampling_generator`` (the weight average when there is one);
        ``raw=True`` draws from the trained ``generator`` itself.
        """
        positive_int("n", n, example=64)
        noise = self.fixed_noise(n, seed)
        network = self.generator if raw else self.sampling_generator
        return predict(network, noise, batch_size)

    def fixed_noise(self, n: int, seed: int | None = 0) -> np.ndarray:
        """The (n, latent_dim) noise that ``sample(n, seed)`` uses: fixed for a fixed seed."""
        return np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)

    def discriminate(self, x, batch_size: int = 1024) -> np.ndarray:
        """D(x): the probability, shape (n,), that D gives each sample of ``x`` being real."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim == 1 and self.sample_shape == (1,):
            x = x[:, None]
        if x.shape[1:] != self.sample_shape:
            raise ValueError(f"x must have shape (n, {', '.join(map(str, self.sample_shape))}), got {x.shape}.")
        logits = predict(self.discriminator, x, batch_size)
        return 1.0 / (1.0 + np.exp(-logits[:, 0].astype(np.float64)))


def _mean_probability(logits):
    return tf.reduce_mean(tf.sigmoid(tf.cast(logits, tf.float32)))
