"""Letting the discriminator see several samples at once, so that it can notice a lack of variety (notebook 04).

A discriminator that judges one sample at a time cannot tell a generator that
draws the same good sample every time from one that draws them all: each sample
alone looks real. Two remedies, both usable with ``GAN`` and ``WGAN`` unchanged:

* :func:`packed` (PacGAN, Lin et al., 2018): the discriminator judges ``pack``
  samples concatenated along their last axis, all real or all generated.
* :class:`MinibatchStdDev` (Karras et al., 2018, section 3): a layer that appends
  the batch's average standard deviation as one more feature, so that a batch of
  near-identical samples looks different from a real one.
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

from ganlab._checks import positive_int


class _Packing(layers.Layer):
    """A layer with a ``pack`` size, saved in its config."""

    def __init__(self, pack: int, **kwargs):
        super().__init__(**kwargs)
        self.pack = positive_int("pack", pack, example=4)

    def get_config(self):
        return {**super().get_config(), "pack": self.pack}


@keras.saving.register_keras_serializable(package="ganlab")
class PackSamples(_Packing):
    """(batch, *shape[:-1], c) -> (batch / pack, *shape[:-1], pack * c): each run of ``pack`` samples, side by side."""

    def call(self, x):
        tf.debugging.assert_equal(tf.shape(x)[0] % self.pack, 0, message=(
            f"a packed discriminator needs batches whose size is a multiple of pack={self.pack}: "
            f"batch the data (and choose critic or discriminator steps) so that every minibatch divides by {self.pack}."))
        rank = len(x.shape)
        grouped = ops.reshape(x, (-1, self.pack) + tuple(x.shape[1:]))
        # move the pack axis next to the channels: (b/m, ..., m, c), then merge the two
        grouped = ops.transpose(grouped, (0,) + tuple(range(2, rank)) + (1, rank))
        return ops.reshape(grouped, (-1,) + tuple(x.shape[1:-1]) + (self.pack * x.shape[-1],))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.pack
        return (batch,) + tuple(input_shape[1:-1]) + (self.pack * input_shape[-1],)


@keras.saving.register_keras_serializable(package="ganlab")
class RepeatLogits(_Packing):
    """(batch / pack, 1) -> (batch, 1): each pack's logit given to every sample in it, so losses average as before."""

    def call(self, logits):
        return ops.repeat(logits, self.pack, axis=0)

    def compute_output_shape(self, input_shape):
        return (None if input_shape[0] is None else input_shape[0] * self.pack,) + tuple(input_shape[1:])


def packed(inner: keras.Model, pack: int, name: str = "packed_discriminator") -> keras.Model:
    """A PacGAN discriminator: ``inner`` judges ``pack`` samples at a time.

    Build ``inner`` for inputs whose last axis is ``pack`` times the samples' (for
    2-D points and pack = 4: ``input_shape=(8,)``; for 28x28x1 images: 28x28x4).
    The result takes single samples (batch, *shape) like any discriminator and
    returns (batch, 1): the logit of each sample's pack, repeated. Batches must
    divide by ``pack``; Lin et al. (2018) use pack = 2 to 4.
    """
    pack = positive_int("pack", pack, example=4)
    if not isinstance(inner, keras.Model):
        raise TypeError(f"inner must be a keras.Model (a discriminator from ganlab.models), got {type(inner).__name__}.")
    inner_shape = tuple(inner.input_shape[1:])
    if inner_shape[-1] % pack:
        raise ValueError(f"inner takes inputs of shape {inner_shape}, whose last axis ({inner_shape[-1]}) does not divide "
                         f"by pack={pack}: build it for {pack} x the samples' last axis, e.g. "
                         f"input_shape=(..., {pack} * channels).")
    sample_shape = inner_shape[:-1] + (inner_shape[-1] // pack,)
    samples = keras.Input(shape=sample_shape, name="samples")
    logits = inner(PackSamples(pack)(samples))
    return keras.Model(samples, RepeatLogits(pack, dtype="float32")(logits), name=name)


def pack_size(model: keras.Model) -> int:
    """How many samples ``model`` judges at once: the ``pack`` of its :class:`RepeatLogits` layer, else 1.

    Read from the layer (whose config holds it), so it survives ``clone_model`` and
    saving and loading; ``losses.r1_penalty`` needs it, since each pack's logit
    appears ``pack`` times in the output.
    """
    layers_to_visit = list(getattr(model, "layers", []))
    while layers_to_visit:
        layer = layers_to_visit.pop()
        if isinstance(layer, RepeatLogits):
            return layer.pack
        layers_to_visit.extend(getattr(layer, "layers", []))
    return 1


@keras.saving.register_keras_serializable(package="ganlab")
class MinibatchStdDev(layers.Layer):
    """Append the minibatch's standard deviation, averaged over all features, as one more channel.

    For input (batch, ..., c): the standard deviation of every feature over the
    batch, averaged to one number, repeated over the batch and the spatial
    positions and concatenated: (batch, ..., c + 1). A generator that has
    collapsed makes this number small, which the discriminator learns to notice.
    """

    def call(self, x):
        std = ops.sqrt(ops.var(ops.cast(x, "float32"), axis=0) + 1e-8)
        summary = ops.cast(ops.mean(std), x.dtype)
        extra = ops.ones_like(x[..., :1]) * summary
        return ops.concatenate([x, extra], axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] + 1,)
