"""``CycleGAN``: translation between two domains without pairs (Zhu et al., 2017; notebook 09).

Two generators, G: A -> B and F: B -> A, and two patch discriminators, D_B (is this patch from
B?) and D_A. Nothing pairs an image of A with one of B; instead each translator must fool its
discriminator, and translating there and back must give the input back. With s = a patch score
of D and the least-squares (LSGAN) losses of ``ganlab.losses``:

    L_D    = 1/2 mean (D_B(b) - 1)^2 + 1/2 mean D_B(G(a))^2  +  the same for D_A, F(b) and a
    L_G    = mean (D_B(G(a)) - 1)^2 + mean (D_A(F(b)) - 1)^2                       (adversarial)
           + cycle_weight    * (mean |F(G(a)) - a| + mean |G(F(b)) - b|)           (cycle consistency)
           + identity_weight * (mean |F(a) - a|    + mean |G(b) - b|)              (identity)

Zhu et al. use cycle_weight 10 and identity_weight 5 (0.5 x 10). Unlike their code, no buffer
of past generated images feeds the discriminators. ``G`` is passed to the core as its
``generator`` and ``D_B`` as its ``discriminator``; F and D_A are kept beside them, and the
"generator" step updates both translators, the "discriminator" step both discriminators.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ganlab import losses
from ganlab._checks import one_of, positive_float
from ganlab.data.unpaired import partner_share
from ganlab.training.checks import check_batches
from ganlab.training.core import Game
from ganlab.training.pix2pix import translate

DIRECTIONS = ("a_to_b", "b_to_a")


def _image_shape(model: keras.Model, what: str, argument: str) -> tuple:
    shape = model.input_shape if what == "input" else model.output_shape
    if isinstance(shape, list) or len(model.inputs) != 1 or len(shape) != 4:
        raise ValueError(f"{argument} must take one image input (batch, H, W, C) and return images or patch scores; "
                         f"got inputs {model.input_shape}. Build it with ganlab.models.unet_generator or "
                         "ganlab.models.patch_discriminator.")
    return tuple(shape[1:])


def check_cycle_networks(generator_ab, generator_ba, discriminator_a, discriminator_b) -> tuple[tuple, tuple]:
    """Raise a ``ValueError`` naming the network whose shapes do not fit; return the shapes of A and B images."""
    for argument, model in (("generator_ab", generator_ab), ("generator_ba", generator_ba),
                            ("discriminator_a", discriminator_a), ("discriminator_b", discriminator_b)):
        if not isinstance(model, keras.Model):
            raise TypeError(f"{argument} must be a keras.Model (for example from ganlab.models), "
                            f"got {type(model).__name__}.")
    shape_a = _image_shape(generator_ab, "input", "generator_ab")
    shape_b = _image_shape(generator_ab, "output", "generator_ab")
    for argument, model, expected_in, expected_out in (("generator_ba", generator_ba, shape_b, shape_a),):
        got_in, got_out = _image_shape(model, "input", argument), _image_shape(model, "output", argument)
        if (got_in, got_out) != (expected_in, expected_out):
            raise ValueError(f"{argument} maps {got_in} -> {got_out}, but generator_ab maps A images {shape_a} to B "
                             f"images {shape_b}, so {argument} must map {shape_b} -> {shape_a}. Build both "
                             "translators for the two domains' shapes.")
    for argument, model, expected in (("discriminator_a", discriminator_a, shape_a),
                                      ("discriminator_b", discriminator_b, shape_b)):
        got = _image_shape(model, "input", argument)
        if got != expected:
            raise ValueError(f"{argument} judges images of shape {got}, but its domain's images have shape "
                             f"{expected}: build it with ganlab.models.patch_discriminator({expected}).")
        if len(model.output_shape) != 4 or model.output_shape[-1] != 1:
            raise ValueError(f"{argument} must output a grid of patch scores (batch, h, w, 1), got "
                             f"{model.output_shape}. End it with Conv2D(1, ...) and no activation.")
    return shape_a, shape_b


class CycleGAN(Game):
    """Unpaired translation trained by ``fit`` on a dataset of (a images, b images) batches.

    Args:
        generator_ab, generator_ba: G: A -> B and F: B -> A, e.g. ``models.unet_generator``.
        discriminator_a, discriminator_b: patch scorers of single images of A and of B, e.g.
            ``models.patch_discriminator``.
        cycle_weight: lambda, the weight of the cycle-consistency loss (10 in Zhu et al.; 0 turns it off).
        identity_weight: the weight of the identity loss (5 in Zhu et al.; 0 turns it off).
        cycle_loss: a function ``(real_a, cycled_a, real_b, cycled_b) -> scalar`` to use instead of
            :func:`ganlab.losses.cycle_consistency_loss` (notebook 09 trains with the learner's own).
        adversarial_loss: a function ``(fake_scores) -> scalar``, the generators' adversarial term for one
            direction, instead of :func:`ganlab.losses.least_squares_generator_loss`.
        seed, name: as for :class:`ganlab.training.GAN`. There is no ``ema_decay``.

    Logged: ``g_loss`` (the whole L_G), ``g_gan`` (both adversarial terms), ``cycle`` (both cycle L1s,
    unweighted, logged even when ``cycle_weight=0``), ``identity`` (unweighted, when ``identity_weight > 0``)
    and ``d_loss`` (both discriminators' losses). ``translate(images, direction="a_to_b")`` applies a translator.
    """

    samples_from_noise = False

    def __init__(self, generator_ab: keras.Model, generator_ba: keras.Model, discriminator_a: keras.Model,
                 discriminator_b: keras.Model, cycle_weight: float = 10.0, identity_weight: float = 5.0,
                 cycle_loss=None, adversarial_loss=None, name: str = "cyclegan", **kwargs):
        if kwargs.get("ema_decay") is not None:
            raise ValueError("CycleGAN keeps no weight average: leave ema_decay out (it would average only G).")
        kwargs.pop("ema_decay", None)
        shape_a, shape_b = check_cycle_networks(generator_ab, generator_ba, discriminator_a, discriminator_b)
        cycle_weight = positive_float("cycle_weight", cycle_weight, allow_zero=True)
        identity_weight = positive_float("identity_weight", identity_weight, allow_zero=True)
        for argument, function, signature in (("cycle_loss", cycle_loss, "(real_a, cycled_a, real_b, cycled_b)"),
                                              ("adversarial_loss", adversarial_loss, "(fake_scores)")):
            if function is not None and not callable(function):
                raise TypeError(f"{argument} must be a function {signature} -> loss, got {function!r}.")
        logged = ("d_loss", "g_loss", "g_gan", "cycle") + (("identity",) if identity_weight > 0 else ())
        super().__init__(generator_ab, discriminator_b, logged=logged, name=name, **kwargs)
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.shape_a, self.shape_b = shape_a, shape_b
        self.cycle_weight, self.identity_weight = cycle_weight, identity_weight
        self.cycle_loss_fn = cycle_loss or losses.cycle_consistency_loss
        self.adversarial_loss_fn = adversarial_loss or losses.least_squares_generator_loss

    @property
    def generator_ab(self) -> keras.Model:
        return self.generator

    @property
    def discriminator_b(self) -> keras.Model:
        return self.discriminator

    # -- four networks -------------------------------------------------------------------------------------
    def networks(self) -> list:
        return [self.generator, self.discriminator, self.generator_ba, self.discriminator_a]

    def generator_variables(self) -> list:
        return self.generator.trainable_variables + self.generator_ba.trainable_variables

    def discriminator_variables(self) -> list:
        return self.discriminator_a.trainable_variables + self.discriminator.trainable_variables

    # -- what differs: unpaired batches, two of each network, cycle and identity ---------------------------
    def unpack(self, data) -> dict:
        a, b = data
        return {"a": tf.cast(a, self.compute_dtype), "b": tf.cast(b, self.compute_dtype)}

    def discriminator_loss(self, batch, draw: int = 0):
        """Both discriminators' least-squares losses: real a and b against F(b) and G(a)."""
        a, b = batch["a"], batch["b"]
        fake_b = self.generator(a, training=True)
        fake_a = self.generator_ba(b, training=True)
        loss_b = losses.least_squares_discriminator_loss(self.discriminator(b, training=True),
                                                         self.discriminator(fake_b, training=True))
        loss_a = losses.least_squares_discriminator_loss(self.discriminator_a(a, training=True),
                                                         self.discriminator_a(fake_a, training=True))
        loss = loss_a + loss_b
        return loss, {"d_loss": loss}

    def generator_loss(self, batch, draw: int = -1):
        """L_G of both translators, logged with its unweighted terms."""
        a, b = batch["a"], batch["b"]
        fake_b = self.generator(a, training=True)
        fake_a = self.generator_ba(b, training=True)
        adversarial = (self._number(self.adversarial_loss_fn(self.discriminator(fake_b, training=True)))
                       + self._number(self.adversarial_loss_fn(self.discriminator_a(fake_a, training=True))))
        cycled_a = self.generator_ba(fake_b, training=True)
        cycled_b = self.generator(fake_a, training=True)
        cycle = self._number(self.cycle_loss_fn(a, cycled_a, b, cycled_b))
        loss = adversarial + self.cycle_weight * cycle
        logs = {"g_gan": adversarial, "cycle": cycle}
        if self.identity_weight > 0:
            identity = losses.identity_loss(a, self.generator_ba(a, training=True), b, self.generator(b, training=True))
            loss = loss + self.identity_weight * identity
            logs["identity"] = identity
        logs["g_loss"] = loss
        return loss, logs

    @staticmethod
    def _number(value):
        return tf.cast(tf.convert_to_tensor(value), tf.float32)

    def check_dataset(self, dataset) -> None:
        """Raise a clear error unless ``dataset`` yields unpaired (a images, b images) batches of the networks' shapes."""
        example = "ganlab.data.unpaired('mnist', batch_size=32) or ganlab.data.unpaired_dataset(a_images, b_images)"
        a, b = check_batches(dataset, {"a images": self.shape_a, "b images": self.shape_b},
                             generator=self.generator, example=example)
        if len(a) >= 16 and partner_share(a, b) > 0.4:
            raise ValueError(
                f"x looks paired: in its first batch, {partner_share(a, b):.0%} of the a images are most similar to "
                "the b image at the same index (unpaired batches give about 1 / batch size). CycleGAN is for data "
                "without pairs; build x from two independently shuffled domains (ganlab.data.unpaired_dataset(a, b)), "
                "or, if you do have pairs, train ganlab.training.Pix2Pix on them.")

    # -- using the trained model ---------------------------------------------------------------------------
    def translate(self, images, direction: str | None = None, batch_size: int = 500) -> np.ndarray:
        """G(images) for ``direction="a_to_b"``, F(images) for ``"b_to_a"``, as a NumPy array, in inference mode."""
        if direction is None:
            raise ValueError("direction is missing: say which way to translate, direction='a_to_b' (G) or "
                             "direction='b_to_a' (F).")
        direction = one_of("direction", direction, DIRECTIONS)
        if direction == "a_to_b":
            return translate(self.generator, images, self.shape_a, batch_size)
        return translate(self.generator_ba, images, self.shape_b, batch_size)

    def sample(self, n, seed=0, batch_size=1024, raw=False):
        raise TypeError("CycleGAN has no noise to sample from: its generators translate images. Use "
                        "translate(images, direction='a_to_b').")

    def discriminate(self, x, domain: str | None = None, batch_size: int = 500) -> np.ndarray:
        """The mean patch score, shape (n,), that D_A (``domain="a"``) or D_B (``"b"``) gives each image of ``x``:
        near 1 for what it takes for real, near 0 for what it takes for generated (least-squares targets)."""
        if domain not in ("a", "b"):
            raise ValueError(f"domain must be 'a' or 'b' (which discriminator judges x), got {domain!r}.")
        judge, shape = (self.discriminator_a, self.shape_a) if domain == "a" else (self.discriminator, self.shape_b)
        scores = translate(judge, x, shape, batch_size, name="x")
        return scores.reshape(len(scores), -1).mean(axis=1).astype(np.float64)
