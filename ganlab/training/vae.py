"""``VAE``: a variational autoencoder trained by ``fit`` on the negative ELBO (Kingma and Welling, 2014; notebook 10).

One step on a batch x:

1. the encoder gives the mean mu and log-variance log sigma^2 of q(z | x);
2. z = mu + sigma * eps with eps ~ N(0, I) (the *reparameterisation*: the noise is an input, so the
   gradient reaches mu and sigma);
3. the decoder gives pixel logits; the loss is -ELBO = reconstruction + kl_weight * KL(q(z | x) || N(0, I))
   (``ganlab.losses.negative_elbo``), and one Adam step lowers it.

To sample, decode z ~ N(0, I): ``vae.sample(n, seed)``. Logged: ``loss``, ``reconstruction`` and ``kl``
(nats per image).
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ganlab import losses
from ganlab._checks import positive_float, positive_int
from ganlab.training.trainer import Trainer


class VAE(Trainer):
    """A VAE from an encoder (images -> [mean, log_variance]) and a decoder (codes -> pixel logits).

    Args:
        encoder, decoder: as built by ``ganlab.models.vae_encoder`` and ``vae_decoder``.
        kl_weight: the weight of the KL term (1: the ELBO; beta-VAE otherwise).
        kl: the KL function of (mean, log_variance), default ``ganlab.losses.gaussian_kl``; notebook 10
            passes the learner's own.
        seed: seed of the reparameterisation noise (``None``: a random one).
    """

    logged = ("loss", "reconstruction", "kl")

    def __init__(self, encoder: keras.Model, decoder: keras.Model, kl_weight: float = 1.0, kl=None,
                 seed: int | None = None, name: str = "vae", **kwargs):
        for arg, model in (("encoder", encoder), ("decoder", decoder)):
            if not isinstance(model, keras.Model):
                raise TypeError(f"{arg} must be a keras.Model (ganlab.models.vae_{arg}), got {type(model).__name__}.")
        if len(encoder.outputs) != 2:
            raise ValueError("encoder must return two tensors, [mean, log_variance], each (batch, latent_dim).")
        latent_dim = int(decoder.inputs[0].shape[1])
        if tuple(encoder.outputs[0].shape[1:]) != (latent_dim,):
            raise ValueError(f"encoder codes have shape {tuple(encoder.outputs[0].shape[1:])} but the decoder takes "
                             f"({latent_dim},): build both with the same latent_dim.")
        if tuple(decoder.output_shape[1:]) != tuple(encoder.input_shape[1:]):
            raise ValueError(f"decoder makes {tuple(decoder.output_shape[1:])} images but the encoder reads "
                             f"{tuple(encoder.input_shape[1:])}: build both for the same image shape.")
        super().__init__(encoder.input_shape[1:], seed=seed, name=name, **kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.latent_dim = latent_dim
        self.kl_weight = positive_float("kl_weight", kl_weight, allow_zero=True)
        self.kl_function = losses.gaussian_kl if kl is None else kl
        self.built = True

    def networks(self) -> list:
        return [self.encoder, self.decoder]

    def train_step(self, data):
        images = self.unpack(data)

        def loss():
            mean, log_variance = self.encoder(images, training=True)
            eps = tf.random.stateless_normal(tf.shape(mean), seed=self.random_key(0), dtype=mean.dtype)
            codes = mean + tf.exp(0.5 * log_variance) * eps  # the reparameterisation
            logits = self.decoder(codes, training=True)
            reconstruction = losses.bernoulli_reconstruction_loss(logits, images)
            kl = tf.cast(self.kl_function(mean, log_variance), tf.float32)
            total = reconstruction + self.kl_weight * kl
            return total, {"loss": total, "reconstruction": reconstruction, "kl": kl}

        logs = self.descend(loss)
        self.step_counter.assign_add(1)
        return self.record(logs)

    # -- using the trained model ---------------------------------------------------------------------------
    def decode(self, codes, batch_size: int = 1024) -> np.ndarray:
        """Images (n, h, w, c) in [-1, 1] for codes (n, latent_dim): the Bernoulli means, tanh(logits / 2)."""
        codes = np.asarray(codes, np.float32)
        parts = [self.decoder(codes[i:i + batch_size], training=False) for i in range(0, len(codes), batch_size)]
        return np.tanh(np.concatenate([keras.ops.convert_to_numpy(p) for p in parts]) / 2.0).astype(np.float32)

    def encode(self, images, batch_size: int = 1024) -> np.ndarray:
        """The means of q(z | x), (n, latent_dim), for images (n, h, w, c) in [-1, 1]."""
        images = np.asarray(images, np.float32)
        parts = [self.encoder(images[i:i + batch_size], training=False)[0] for i in range(0, len(images), batch_size)]
        return np.concatenate([keras.ops.convert_to_numpy(p) for p in parts])

    def sample(self, n: int, seed: int | None = 0, batch_size: int = 1024) -> np.ndarray:
        """``n`` images decoded from z ~ N(0, I); the same seed gives the same codes."""
        positive_int("n", n, example=64)
        return self.decode(np.random.default_rng(seed).standard_normal((n, self.latent_dim)), batch_size)
