"""pix2pix: image-to-image translation with a conditional GAN and an L1 term (Isola et al., 2017; notebook 08).

The generator G maps a conditioning image c (a low-resolution digit, a digit with a hole)
to an image; there is no noise input. The discriminator D sees the pair (c, image) and
returns a grid of patch logits. With l = D(c, .) and y the target paired with c:

    L_D = mean over patches [softplus(-l(y))] + mean over patches [softplus(l(G(c)))]
    L_G = gan_weight * mean over patches [softplus(-l(G(c)))] + l1_weight * mean |y - G(c)|

(the binary cross-entropy of notebook 01 on every patch, the non-saturating generator loss,
and the L1 distance to the target). ``gan_weight=0`` keeps only the L1 term: the same
network, data and loop trained as a plain regression, the baseline of the
perception-distortion comparison. Isola et al. use ``l1_weight=100``.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganlab import losses
from ganlab._checks import positive_float, positive_int
from ganlab.training import GAN, _logs, _output_is_tanh, _per_replica


def _flat(patch_logits):
    """(batch, h, w, 1) patch logits as (batch * h * w, 1): each patch counts as one sample of the BCE."""
    return ops.reshape(patch_logits, (-1, 1))


def patch_discriminator_loss(real_logits, fake_logits):
    """L_D on patch logits (batch, h, w, 1): mean softplus(-l_real) + mean softplus(l_fake) over every patch."""
    return losses.discriminator_loss(_flat(real_logits), _flat(fake_logits))


def l1_distance(generated, target):
    """mean |target - generated| over every pixel of every image (a scalar)."""
    return ops.mean(ops.abs(ops.cast(target, "float32") - ops.cast(generated, "float32")))


def pix2pix_generator_loss(fake_logits, generated, target, l1_weight: float = 100.0):
    """L_G = mean over patches softplus(-l_fake) + l1_weight * mean |target - generated|.

    Args:
        fake_logits: D's patch logits (batch, h, w, 1) on the pairs (condition, generated).
        generated, target: images (batch, H, W, C) in [-1, 1].
        l1_weight: lambda; 100 in Isola et al. (2017).
    """
    return losses.non_saturating_generator_loss(_flat(fake_logits)) + l1_weight * l1_distance(generated, target)


class Pix2Pix(GAN):
    """A conditional GAN trained by ``fit`` on a dataset of (condition, target) pairs.

    Args:
        generator: maps a condition (batch, H, W, C_in) to an image (batch, H, W, C), e.g.
            ``models.unet_generator``.
        discriminator: maps [condition, image] to patch logits (batch, h, w, 1), e.g.
            ``models.patchgan_discriminator``.
        l1_weight: lambda, the weight of mean |y - G(c)| (100 as in Isola et al.).
        gan_weight: weight of the adversarial term; 0 trains G by L1 alone and never updates D.
        generator_loss: a function ``(fake_logits, generated, target, l1_weight) -> scalar`` to use
            instead of :func:`pix2pix_generator_loss` (notebook 08 trains with the learner's own);
            only with ``gan_weight=1``.
        seed, ema_decay, name: as for :class:`ganlab.training.GAN`.

    Logged: ``g_loss`` (the whole L_G), ``l1`` (mean |y - G(c)|, unweighted) and, with the
    adversarial term, ``g_gan`` (its unweighted value), ``d_loss``, ``d_real`` and ``d_fake``
    (D's mean probability over the patches of real and generated pairs).
    ``translate(conditions)`` applies the trained generator.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, l1_weight: float = 100.0,
                 gan_weight: float = 1.0, generator_loss=None, seed: int | None = None,
                 ema_decay: float | None = None, name: str = "pix2pix", **kwargs):
        super().__init__(generator, discriminator, seed=seed, ema_decay=ema_decay, name=name, **kwargs)
        self.latent_dim = None  # no noise: G's only input is the condition
        self.condition_shape = tuple(generator.input_shape[1:])
        self.l1_weight = positive_float("l1_weight", l1_weight, allow_zero=True)
        self.gan_weight = positive_float("gan_weight", gan_weight, allow_zero=True)
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
        self.l1_tracker = keras.metrics.Mean(name="l1")
        self.gan_tracker = keras.metrics.Mean(name="g_gan")

    def check_models(self, generator: keras.Model, discriminator: keras.Model) -> None:
        """G: one image input -> an image of the same height and width; D: [condition, image] -> patch logits."""
        if len(generator.inputs) != 1 or len(generator.input_shape) != 4:
            raise ValueError(f"generator must take one image input (batch, H, W, C), the condition; got "
                             f"{generator.input_shape}. Build it with ganlab.models.unet_generator.")
        condition, image = tuple(generator.input_shape[1:]), tuple(generator.output_shape[1:])
        if len(image) != 3 or image[:2] != condition[:2]:
            raise ValueError(f"generator must make images of the condition's height and width {condition[:2]}, "
                             f"got output shape {generator.output_shape}.")
        if len(discriminator.inputs) != 2:
            raise ValueError(f"discriminator must take two inputs, [condition, image] (a PatchGAN judges the pair), "
                             f"got {len(discriminator.inputs)}. Build it with ganlab.models.patchgan_discriminator.")
        expected = [condition, image]
        got = [tuple(tensor.shape[1:]) for tensor in discriminator.inputs]
        if got != expected:
            raise ValueError(f"discriminator's inputs have shapes {got} but the generator's condition and output are "
                             f"{expected}: build both for the same shapes.")
        if len(discriminator.output_shape) != 4 or discriminator.output_shape[-1] != 1:
            raise ValueError(f"discriminator must output a grid of patch logits (batch, h, w, 1), got "
                             f"{discriminator.output_shape}. End it with Conv2D(1, ...) and no sigmoid.")

    @property
    def metrics(self):
        trackers = [self.g_loss_tracker, self.l1_tracker]
        if self.gan_weight > 0:
            trackers += [self.gan_tracker, self.d_loss_tracker, self.d_real_tracker, self.d_fake_tracker]
        return trackers

    # -- one step ------------------------------------------------------------------------------------
    def discriminator_step(self, condition, target):
        """One update of D on the real pairs (c, y) and the generated pairs (c, G(c)); returns (loss, logits...)."""
        generated = self.generator(condition, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator([condition, target], training=True)
            fake_logits = self.discriminator([condition, generated], training=True)
            loss = self.discriminator_loss(real_logits, fake_logits)
            scaled = self.discriminator_optimizer.scale_loss(_per_replica(loss))
        variables = self.discriminator.trainable_variables
        self.discriminator_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return loss, real_logits, fake_logits

    def discriminator_loss(self, real_logits, fake_logits, real=None, fake=None):
        loss = patch_discriminator_loss(real_logits, fake_logits)
        if self.r1_weight:
            raise NotImplementedError("R1 is not implemented for Pix2Pix; leave r1_weight at 0.")
        return loss

    def generator_step(self, condition, target):
        """One update of G; returns (L_G, mean |y - G(c)|, the unweighted adversarial term)."""
        with tf.GradientTape() as tape:
            generated = self.generator(condition, training=True)
            l1 = l1_distance(generated, target)
            if self.gan_weight > 0:
                fake_logits = self.discriminator([condition, generated], training=True)
                adversarial = losses.non_saturating_generator_loss(_flat(fake_logits))
                if self.pix2pix_loss_fn is not None:
                    loss = self.pix2pix_loss_fn(fake_logits, generated, target, self.l1_weight)
                    loss = ops.cast(ops.convert_to_tensor(loss), "float32")
                else:
                    loss = self.gan_weight * adversarial + self.l1_weight * l1
            else:
                adversarial = ops.zeros(())
                loss = self.l1_weight * l1
            scaled = self.generator_optimizer.scale_loss(_per_replica(loss))
        variables = self.generator.trainable_variables
        self.generator_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return loss, l1, adversarial

    def train_step(self, data):
        condition, target = data
        condition = tf.cast(condition, self.compute_dtype)
        target = tf.cast(target, self.compute_dtype)
        if self.gan_weight > 0:
            d_loss, real_logits, fake_logits = self.discriminator_step(condition, target)
        g_loss, l1, adversarial = self.generator_step(condition, target)
        if self.ema_generator is not None:
            self.update_ema()
        self.step_counter.assign_add(1)
        self.g_loss_tracker.update_state(g_loss)
        self.l1_tracker.update_state(l1)
        if self.gan_weight > 0:
            self.gan_tracker.update_state(adversarial)
            self.track(d_loss, g_loss, real_logits, fake_logits)

        return _logs(self.metrics)

    # -- data ----------------------------------------------------------------------------------------
    def check_dataset(self, dataset) -> None:
        """Raise a clear error unless ``dataset`` yields (condition, target) batches of the networks' shapes."""
        if not isinstance(dataset, tf.data.Dataset):
            raise TypeError(f"x must be a tf.data.Dataset of (condition, target) pairs, for example "
                            f"ganlab.data.paired('mnist', 'super_resolution'), got {type(dataset).__name__}.")
        spec = dataset.element_spec
        if not isinstance(spec, tuple) or len(spec) != 2 or not all(isinstance(s, tf.TensorSpec) for s in spec):
            raise TypeError(f"x must yield (condition, target) pairs of tensors, got elements {spec}. Build it with "
                            "ganlab.data.paired or ganlab.data.array_dataset(conditions, 64, labels=targets).")
        for what, part, expected in (("conditions", spec[0], self.condition_shape),
                                     ("targets", spec[1], self.sample_shape)):
            if tuple(part.shape[1:]) != expected:
                raise ValueError(f"x yields {what} of shape {tuple(part.shape)} but the networks expect "
                                 f"(batch, {', '.join(map(str, expected))}): build the models for the data's shapes.")
            if not part.dtype.is_floating:
                raise TypeError(f"x yields {what} of dtype {part.dtype.name}; convert to float32 in [-1, 1].")
        first = next(iter(dataset.take(1)), None)
        if first is None:
            raise ValueError("x is empty: it yields no batch. Check the data and that batch_size is not larger "
                             "than the dataset.")
        condition, target = (np.asarray(part) for part in first)
        if not (np.all(np.isfinite(condition)) and np.all(np.isfinite(target))):
            raise ValueError("x contains NaN or infinite values in its first batch; clean the data before training.")
        if _output_is_tanh(self.generator) and np.abs(target).max() > 1.0 + 1e-3:
            raise ValueError(f"the targets hold values in [{target.min():.3g}, {target.max():.3g}] but the generator "
                             "ends in tanh and can only make values in [-1, 1]. Scale images to [-1, 1].")

    # -- using the trained model ------------------------------------------------------------------------
    def translate(self, conditions, batch_size: int = 500) -> np.ndarray:
        """G(c) for conditions (n, H, W, C_in) as a NumPy array (n, H, W, C), in inference mode."""
        conditions = np.asarray(conditions, dtype=np.float32)
        if conditions.shape[1:] != self.condition_shape:
            raise ValueError(f"conditions must have shape (n, {', '.join(map(str, self.condition_shape))}), got "
                             f"{conditions.shape}.")
        batch_size = positive_int("batch_size", batch_size, example=500)
        network = self.sampling_generator
        parts = [keras.ops.convert_to_numpy(network(conditions[i:i + batch_size], training=False))
                 for i in range(0, len(conditions), batch_size)]
        return np.concatenate(parts).astype(np.float32)

    def sample(self, n, seed=0, batch_size=1024, raw=False):
        raise TypeError("Pix2Pix has no noise to sample from: its generator translates a condition. Use "
                        "translate(conditions).")

    def discriminate(self, x, batch_size=1024):
        raise TypeError("Pix2Pix's discriminator judges pairs: call discriminator([conditions, images]) for its "
                        "patch logits.")
