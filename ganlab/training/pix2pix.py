"""``Pix2Pix``: image-to-image translation with a conditional GAN and an L1 term (Isola et al., 2017; notebook 08).

The generator G maps a conditioning image c (a low-resolution digit, a digit with a hole) to an
image; there is no noise input. The discriminator D sees the pair (c, image) and returns a grid of
patch logits. With l = D(c, .) and y the target paired with c (``ganlab.losses``):

    L_D = mean over patches [softplus(-l(y))] + mean over patches [softplus(l(G(c)))]
    L_G = gan_weight * mean over patches [softplus(-l(G(c)))] + l1_weight * mean |y - G(c)|

``gan_weight=0`` keeps only the L1 term: the same network, data and loop trained as a plain
regression, the baseline of the perception-distortion comparison. Isola et al. use ``l1_weight=100``.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganlab import losses
from ganlab._checks import positive_float, positive_int
from ganlab.models.networks import predict
from ganlab.training.checks import check_batches
from ganlab.training.core import Game


def check_translator(generator: keras.Model, discriminator: keras.Model, example: str) -> None:
    """G: one image input -> an image of the same height and width; D: [condition, image] -> patch logits."""
    if len(generator.inputs) != 1 or len(generator.input_shape) != 4:
        raise ValueError(f"generator must take one image input (batch, H, W, C); got {generator.input_shape}. "
                         f"Build it with {example}.")
    source, image = tuple(generator.input_shape[1:]), tuple(generator.output_shape[1:])
    if len(image) != 3 or image[:2] != source[:2]:
        raise ValueError(f"generator must make images of its input's height and width {source[:2]}, "
                         f"got output shape {generator.output_shape}.")
    if len(discriminator.output_shape) != 4 or discriminator.output_shape[-1] != 1:
        raise ValueError(f"discriminator must output a grid of patch logits (batch, h, w, 1), got "
                         f"{discriminator.output_shape}. End it with Conv2D(1, ...) and no sigmoid.")


class Pix2Pix(Game):
    """A conditional GAN trained by ``fit`` on a dataset of (condition, target) pairs.

    Args:
        generator: maps a condition (batch, H, W, C_in) to an image (batch, H, W, C), e.g.
            ``models.unet_generator``.
        discriminator: maps [condition, image] to patch logits (batch, h, w, 1), e.g.
            ``models.patchgan_discriminator``.
        l1_weight: lambda, the weight of mean |y - G(c)| (100 as in Isola et al.).
        gan_weight: weight of the adversarial term; 0 trains G by L1 alone and never updates D.
        generator_loss: a function ``(fake_logits, generated, target, l1_weight) -> scalar`` to use
            instead of :func:`ganlab.losses.pix2pix_generator_loss` (notebook 08 trains with the
            learner's own); only with ``gan_weight=1``.
        seed, ema_decay, name: as for :class:`ganlab.training.GAN`.

    Logged: ``g_loss`` (the whole L_G), ``l1`` (mean |y - G(c)|, unweighted) and, with the
    adversarial term, ``g_gan`` (its unweighted value), ``d_loss``, ``d_real`` and ``d_fake``
    (D's mean probability over the patches of real and generated pairs).
    ``translate(conditions)`` applies the trained generator; there is no noise to ``sample`` from.
    """

    samples_from_noise = False

    def __init__(self, generator: keras.Model, discriminator: keras.Model, l1_weight: float = 100.0,
                 gan_weight: float = 1.0, generator_loss=None, name: str = "pix2pix", **kwargs):
        gan_weight = positive_float("gan_weight", gan_weight, allow_zero=True)
        logged = ("g_loss", "l1") + (("g_gan", "d_loss", "d_real", "d_fake") if gan_weight > 0 else ())
        super().__init__(generator, discriminator, logged=logged, name=name, **kwargs)
        self.condition_shape = tuple(generator.input_shape[1:])
        self.l1_weight = positive_float("l1_weight", l1_weight, allow_zero=True)
        self.gan_weight = gan_weight
        if self.l1_weight == 0 and self.gan_weight == 0:
            raise ValueError("l1_weight and gan_weight are both 0, so the generator has no loss: use l1_weight=100 "
                             "(and gan_weight=1 for pix2pix, 0 for the L1-only baseline).")
        if generator_loss is not None:
            if not callable(generator_loss):
                raise TypeError(f"generator_loss must be a function (fake_logits, generated, target, l1_weight) -> "
                                f"loss, got {generator_loss!r}.")
            if self.gan_weight != 1.0:
                raise ValueError(f"generator_loss replaces the whole L_G, so gan_weight must be 1, got {gan_weight}; "
                                 "leave generator_loss out to weigh the adversarial term.")
        self.pix2pix_loss_fn = generator_loss

    def check_models(self, generator: keras.Model, discriminator: keras.Model) -> None:
        if len(discriminator.inputs) != 2:
            raise ValueError(f"discriminator must take two inputs, [condition, image] (a PatchGAN judges the pair), "
                             f"got {len(discriminator.inputs)}. Build it with ganlab.models.patchgan_discriminator.")
        check_translator(generator, discriminator, "ganlab.models.unet_generator")
        expected = [tuple(generator.input_shape[1:]), tuple(generator.output_shape[1:])]
        got = [tuple(tensor.shape[1:]) for tensor in discriminator.inputs]
        if got != expected:
            raise ValueError(f"discriminator's inputs have shapes {got} but the generator's condition and output are "
                             f"{expected}: build both for the same shapes.")

    @property
    def trains_discriminator(self) -> bool:
        return self.gan_weight > 0

    # -- what differs: pairs in, patch logits, the L1 term ----------------------------------------------
    def unpack(self, data) -> dict:
        condition, target = data
        return {"condition": tf.cast(condition, self.compute_dtype), "target": tf.cast(target, self.compute_dtype)}

    def discriminator_loss(self, batch, draw: int = 0):
        """D's loss on the real pairs (c, y) and the generated pairs (c, G(c))."""
        condition, target = batch["condition"], batch["target"]
        generated = self.generator(condition, training=True)
        real_logits = self.discriminator([condition, target], training=True)
        fake_logits = self.discriminator([condition, generated], training=True)
        loss = losses.patch_discriminator_loss(real_logits, fake_logits)
        return loss, {"d_loss": loss, "d_real": tf.reduce_mean(tf.sigmoid(tf.cast(real_logits, tf.float32))),
                      "d_fake": tf.reduce_mean(tf.sigmoid(tf.cast(fake_logits, tf.float32)))}

    def generator_loss(self, batch, draw: int = -1):
        """L_G, logged with mean |y - G(c)| and the unweighted adversarial term."""
        condition, target = batch["condition"], batch["target"]
        generated = self.generator(condition, training=True)
        l1 = losses.l1_distance(generated, target)
        if self.gan_weight == 0:
            loss = self.l1_weight * l1
            return loss, {"g_loss": loss, "l1": l1}
        fake_logits = self.discriminator([condition, generated], training=True)
        adversarial = losses.non_saturating_generator_loss(ops.reshape(fake_logits, (-1, 1)))
        if self.pix2pix_loss_fn is not None:
            loss = ops.cast(ops.convert_to_tensor(self.pix2pix_loss_fn(fake_logits, generated, target,
                                                                       self.l1_weight)), "float32")
        else:
            loss = self.gan_weight * adversarial + self.l1_weight * l1
        return loss, {"g_loss": loss, "l1": l1, "g_gan": adversarial}

    def check_dataset(self, dataset) -> None:
        """Raise a clear error unless ``dataset`` yields (condition, target) batches of the networks' shapes."""
        check_batches(dataset, {"conditions": self.condition_shape, "targets": self.sample_shape},
                      generator=self.generator,
                      example="ganlab.data.paired('mnist', 'super_resolution') or "
                              "ganlab.data.array_dataset(conditions, 64, labels=targets)")

    # -- using the trained model ------------------------------------------------------------------------
    def translate(self, conditions, batch_size: int = 500) -> np.ndarray:
        """G(c) for conditions (n, H, W, C_in) as a NumPy array (n, H, W, C), in inference mode."""
        return translate(self.sampling_generator, conditions, self.condition_shape, batch_size, name="conditions")

    def sample(self, n, seed=0, batch_size=1024, raw=False):
        raise TypeError("Pix2Pix has no noise to sample from: its generator translates a condition. Use "
                        "translate(conditions).")

    def discriminate(self, x, conditions=None, batch_size: int = 500) -> np.ndarray:
        """D's mean probability over the patches, shape (n,), that each pair (condition, x) is a real pair."""
        if conditions is None:
            raise ValueError("conditions are needed: a PatchGAN judges (condition, image) pairs; pass the "
                             "conditions the images were made from.")
        x, conditions = np.asarray(x, np.float32), np.asarray(conditions, np.float32)
        if x.shape[1:] != self.sample_shape or conditions.shape[1:] != self.condition_shape or len(x) != len(conditions):
            raise ValueError(f"x and conditions must be as many images of shapes {self.sample_shape} and "
                             f"{self.condition_shape}; got {x.shape} and {conditions.shape}.")
        logits = predict(self.discriminator, [conditions, x], batch_size)
        return (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).reshape(len(x), -1).mean(axis=1)


def translate(network: keras.Model, images, shape, batch_size: int = 500, name: str = "images") -> np.ndarray:
    """``network(images)`` in inference mode, in batches, as a NumPy array; ``images`` (the argument ``name``)
    must have shape (n, *shape)."""
    images = np.asarray(images, dtype=np.float32)
    if images.shape[1:] != tuple(shape):
        raise ValueError(f"{name} must have shape (n, {', '.join(map(str, shape))}), got {images.shape}.")
    batch_size = positive_int("batch_size", batch_size, example=500)
    return predict(network, images, batch_size)
