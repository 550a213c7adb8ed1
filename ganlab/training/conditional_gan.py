"""``ConditionalGAN``: G(z, y) and D(x, y) trained by ``fit`` on (images, labels) batches (notebook 06).

Mirza and Osindero (2014), with the projection discriminator of Miyato and Koyama (2018). Each step
is the plain GAN's: D learns to tell (x, y) from (G(z, y), y), G to fool it; the generated images of
a step are given the labels of the step's real images, so every class is generated as often as it
occurs in the data.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ganlab._checks import positive_int
from ganlab.models.networks import predict
from ganlab.training.checks import check_batches
from ganlab.training.gan import GAN, _mean_probability


class ConditionalGAN(GAN):
    """A class-conditional GAN trained by ``fit`` on a dataset of (images, labels) batches.

    Args:
        generator: inputs [noise (batch, latent_dim), labels (batch,)] -> images, e.g.
            ``models.conditional_generator``.
        discriminator: inputs [images, labels] -> logits (batch, 1), e.g. ``models.conditional_discriminator``.
        num_classes: K; by default the number of rows of the generator's label embedding.
        Other arguments as for :class:`ganlab.training.GAN`.

    Logged as the GAN: ``d_loss``, ``g_loss``, ``d_real``, ``d_fake``. ``sample(n, labels=...)``
    draws images of given classes; without labels, classes 0, 1, ..., K-1, 0, 1, ... in turn.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, num_classes: int | None = None,
                 name: str = "conditional_gan", **kwargs):
        if kwargs.get("r1_weight"):
            raise ValueError("r1_weight must be 0 for ConditionalGAN: its discriminator judges (image, label) pairs "
                             "and the R1 penalty here is written for a discriminator of images alone.")
        super().__init__(generator, discriminator, name=name, **kwargs)
        if num_classes is None:
            tables = [layer for layer in generator.layers if isinstance(layer, keras.layers.Embedding)]
            if len(tables) != 1:
                raise ValueError("num_classes is not known: pass num_classes=10 (the generator has no single "
                                 "label Embedding layer to read it from).")
            num_classes = tables[0].input_dim
        self.num_classes = positive_int("num_classes", num_classes, minimum=2, example=10)

    def check_models(self, generator: keras.Model, discriminator: keras.Model) -> None:
        """G: [noise (batch, latent_dim), labels (batch,)] -> samples; D: [samples, labels] -> (batch, 1)."""
        if len(generator.inputs) != 2 or len(generator.inputs[0].shape) != 2 or len(generator.inputs[1].shape) != 1:
            raise ValueError(f"generator must take two inputs, [noise (batch, latent_dim), labels (batch,)], got "
                             f"{[tuple(t.shape) for t in generator.inputs]}. Build it with "
                             "ganlab.models.conditional_generator.")
        if len(discriminator.inputs) != 2 or len(discriminator.inputs[1].shape) != 1:
            raise ValueError(f"discriminator must take two inputs, [images, labels (batch,)], got "
                             f"{[tuple(t.shape) for t in discriminator.inputs]}. Build it with "
                             "ganlab.models.conditional_discriminator.")
        sample_shape = tuple(generator.output_shape[1:])
        if tuple(discriminator.inputs[0].shape[1:]) != sample_shape:
            raise ValueError(f"generator makes samples of shape {sample_shape} but discriminator expects "
                             f"{tuple(discriminator.inputs[0].shape[1:])}: build both for the same image shape.")
        if tuple(discriminator.output_shape[1:]) != (1,):
            raise ValueError(f"discriminator must output one logit per sample, (batch, 1), got "
                             f"{discriminator.output_shape}.")

    # -- what differs from the plain GAN: labels go in with the noise and with the images ---------------------
    def unpack(self, data) -> dict:
        real, labels = data
        return {"real": tf.cast(real, self.compute_dtype), "labels": tf.cast(labels, "int32")}

    def discriminator_loss(self, batch, draw: int = 0):
        real, labels = batch["real"], batch["labels"]
        fake = self.generator([self.noise(tf.shape(real)[0], draw), labels], training=True)
        real_logits = self.discriminator([real, labels], training=True)
        fake_logits = self.discriminator([fake, labels], training=True)
        loss = self.judge_loss(real_logits, fake_logits)
        return loss, {"d_loss": loss, "d_real": _mean_probability(real_logits),
                      "d_fake": _mean_probability(fake_logits)}

    def generator_loss(self, batch, draw: int = -1):
        labels = batch["labels"]
        fake = self.generator([self.noise(tf.shape(labels)[0], draw), labels], training=True)
        loss = self.generator_loss_fn(self.discriminator([fake, labels], training=True))
        return loss, {"g_loss": loss}

    def check_dataset(self, dataset) -> None:
        """Raise a clear error unless ``dataset`` yields (images, labels) batches that fit the networks."""
        check_batches(dataset, {"images": self.sample_shape, "labels": "labels"}, generator=self.generator,
                      num_classes=self.num_classes, minimum_batch=self.discriminator_steps,
                      example="ganlab.data.labelled_dataset('mnist') or "
                              "ganlab.data.array_dataset(images, 64, labels=labels.astype('int32'))")

    # -- using the trained model ----------------------------------------------------------------------------
    def labels_for(self, n: int, labels=None) -> np.ndarray:
        """``labels`` as n class numbers: one int for all, (n,) ints, or ``None`` for 0, 1, ..., K-1, 0, ..."""
        if labels is None:
            return (np.arange(n) % self.num_classes).astype(np.int32)
        labels = np.asarray(labels)
        if labels.ndim == 0:
            labels = np.full(n, int(labels))
        if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"labels must be {n} integer class numbers (one per sample), or one class for all; "
                             f"got {labels.shape} of dtype {labels.dtype}.")
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f"labels must lie in 0..{self.num_classes - 1}, got {labels.min()}..{labels.max()}.")
        return labels.astype(np.int32)

    def sample(self, n: int, seed: int | None = 0, batch_size: int = 1024, raw: bool = False, labels=None,
               noise=None) -> np.ndarray:
        """``n`` images (n, *sample_shape) of the classes ``labels`` ((n,) ints, or one int for all).

        Without ``labels`` the classes take turns 0, 1, ..., K-1, 0, ... (so callbacks that call
        ``sample(n, seed)`` see every class). ``noise`` (n, latent_dim) replaces the noise that ``seed`` draws.
        """
        positive_int("n", n, example=64)
        labels = self.labels_for(n, labels)
        noise = self.fixed_noise(n, seed) if noise is None else np.asarray(noise, np.float32)
        if noise.shape != (n, self.latent_dim):
            raise ValueError(f"noise must have shape ({n}, {self.latent_dim}), got {noise.shape}.")
        network = self.generator if raw else self.sampling_generator
        return predict(network, [noise, labels], batch_size)

    def discriminate(self, x, labels=None, batch_size: int = 1024) -> np.ndarray:
        """D(x, y): the probability, shape (n,), that D gives each (image, label) pair being real."""
        x = np.asarray(x, dtype=np.float32)
        if x.shape[1:] != self.sample_shape:
            raise ValueError(f"x must have shape (n, {', '.join(map(str, self.sample_shape))}), got {x.shape}.")
        if labels is None:
            raise ValueError("labels are needed: a conditional discriminator judges (image, label) pairs.")
        labels = self.labels_for(len(x), labels)
        logits = predict(self.discriminator, [x, labels], batch_size)
        return 1.0 / (1.0 + np.exp(-logits[:, 0].astype(np.float64)))
