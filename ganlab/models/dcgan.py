"""DCGAN generator and discriminator (Radford et al., 2016), for 28x28x1 and 32x32x3 images (notebook 02).

The guidelines, each visible below:

* no pooling: the generator upsamples with stride-2 transposed convolutions, the
  discriminator downsamples with stride-2 convolutions;
* batch normalisation in both networks, except at the generator's output and the
  discriminator's input;
* ReLU in the generator with ``tanh`` at the output (images in [-1, 1]),
  LeakyReLU(0.2) in the discriminator;
* no hidden fully connected layers (the generator's first layer is a linear map of
  z reshaped to a small image; the discriminator's last is a linear map to a logit);
* weights drawn from N(0, 0.02).

``width`` scales every layer's channel count; the defaults are sized so that a
CPU learner gets digits in minutes (see the README's time-to-quality benchmark).
"""
from __future__ import annotations

import keras
from keras import layers

from ganlab._checks import positive_float, positive_int, shape
from ganlab.models.diversity import MinibatchStdDev


def weight_init():
    """N(0, 0.02), the DCGAN paper's initialisation of every weight."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def base_size(image_shape, upsamplings: int, steps_name: str = "upsamplings") -> int:
    height, width, channels = image_shape
    if height != width:
        raise ValueError(f"image_shape must be square, got {height}x{width}; for example (28, 28, 1) or (32, 32, 3).")
    if channels not in (1, 3):
        raise ValueError(f"image_shape must have 1 or 3 channels, got {channels}.")
    factor = 2**upsamplings
    if height % factor or height // factor < 2:
        sizes = ", ".join(str(base * factor) for base in range(2, 9))
        raise ValueError(
            f"image size {height} cannot be reached with {upsamplings} stride-2 steps (it must be a multiple of "
            f"{factor}, at least {2 * factor}); sizes that work: {sizes}. Change image_shape or {steps_name}."
        )
    return height // factor


def dcgan_generator(latent_dim: int = 64, image_shape=(28, 28, 1), width: int = 32, upsamplings: int = 2,
                    kernel_size: int = 4, batch_norm: bool = True, refinements: int = 0,
                    name: str = "generator") -> keras.Model:
    """A DCGAN generator: (batch, latent_dim) -> (batch, *image_shape) in [-1, 1].

    z -> Dense to (size / 2^upsamplings)^2 x (width * 2^(upsamplings-1)) -> BN -> ReLU,
    then ``upsamplings`` stride-2 transposed convolutions that halve the channels
    and double the size, the last one to ``image_shape``'s channels with tanh.
    ``refinements`` adds that many 3x3 stride-1 convolutions (-> BN -> ReLU, same
    channels) at every size before the last: depth without changing the shapes
    (``recipes.fast_dcgan`` uses 1; the README's time-to-quality benchmark measured it).

    A moving average of its weights is the GAN's choice, ``GAN(..., ema_decay=0.999)``: with the
    paper's settings it did not change the Fréchet distance in the time-to-quality benchmark, with the faster,
    deeper generator of ``recipes.fast_dcgan`` it lowered it (README, "Time to quality").
    """
    latent_dim = positive_int("latent_dim", latent_dim, example=64)
    image_shape = shape("image_shape", image_shape, ndim=(3,))
    width = positive_int("width", width, example=32)
    upsamplings = positive_int("upsamplings", upsamplings, example=2)
    kernel_size = positive_int("kernel_size", kernel_size, example=4)
    refinements = positive_int("refinements", refinements, minimum=0, example=1)
    noise = keras.Input(shape=(latent_dim,), name="noise")
    images = generator_body(noise, image_shape, width, upsamplings, kernel_size, batch_norm, refinements)
    return keras.Model(noise, images, name=name)


def generator_body(x, image_shape, width: int, upsamplings: int, kernel_size: int, batch_norm: bool = True,
                   refinements: int = 0):
    """The DCGAN generator from a flat input tensor ``x`` (noise, or noise and a label's embedding) to images:
    Dense -> BN -> ReLU, reshaped to a small image, then stride-2 transposed convolutions to tanh (arguments
    as for :func:`dcgan_generator`, checked by the caller)."""
    base = base_size(image_shape, upsamplings)
    channels = width * 2 ** (upsamplings - 1)

    def normalized(x):
        if batch_norm:
            x = layers.BatchNormalization()(x)
        return layers.ReLU()(x)

    def refined(x):
        for _ in range(refinements):
            x = normalized(layers.Conv2D(x.shape[-1], 3, padding="same", use_bias=not batch_norm,
                                         kernel_initializer=weight_init())(x))
        return x

    x = normalized(layers.Dense(base * base * channels, use_bias=not batch_norm, kernel_initializer=weight_init())(x))
    x = refined(layers.Reshape((base, base, channels))(x))
    for _ in range(upsamplings - 1):
        channels //= 2
        x = layers.Conv2DTranspose(max(channels, 1), kernel_size, strides=2, padding="same",
                                   use_bias=not batch_norm, kernel_initializer=weight_init())(x)
        x = refined(normalized(x))
    x = layers.Conv2DTranspose(image_shape[-1], kernel_size, strides=2, padding="same",
                               kernel_initializer=weight_init())(x)
    return layers.Activation("tanh", dtype="float32")(x)


def dcgan_discriminator(image_shape=(28, 28, 1), width: int = 32, downsamplings: int = 2, kernel_size: int = 4,
                        batch_norm: bool = True, dropout: float = 0.0, minibatch_std: bool = False,
                        name: str = "discriminator") -> keras.Model:
    """A DCGAN discriminator: (batch, *image_shape) -> (batch, 1) logits.

    ``downsamplings`` stride-2 convolutions doubling the channels from ``width``,
    LeakyReLU(0.2) after each, batch norm after all but the first, then a linear
    map of the flattened features to one logit. ``minibatch_std=True`` appends the
    batch's standard deviation as a channel before that map (notebook 04).
    """
    return _convolutional_judge(image_shape, width, downsamplings, kernel_size, "batch" if batch_norm else None,
                                dropout, name, minibatch_std)


def dcgan_critic(image_shape=(28, 28, 1), width: int = 32, downsamplings: int = 2, kernel_size: int = 4,
                 layer_norm: bool = True, minibatch_std: bool = False, name: str = "critic") -> keras.Model:
    """A WGAN critic: the DCGAN discriminator with layer norm (or none) instead of batch norm (notebook 03).

    The gradient penalty is taken per sample, and batch norm makes each sample's
    score depend on the rest of the batch, so Gulrajani et al. (2017) replace it
    with layer normalisation: each sample's feature map is normalised over height,
    width and channels together, with a learned scale and offset per channel
    (Keras' ``GroupNormalization(groups=1)``; ``LayerNormalization()`` would
    normalise over the channels of each pixel alone). Output: (batch, 1) scores, not logits.
    """
    return _convolutional_judge(image_shape, width, downsamplings, kernel_size, "layer" if layer_norm else None,
                                0.0, name, minibatch_std)


def judge_arguments(image_shape, width, downsamplings, kernel_size, dropout):
    """The arguments every convolutional discriminator takes, checked (clear errors) and returned."""
    image_shape = shape("image_shape", image_shape, ndim=(3,))
    width = positive_int("width", width, example=32)
    downsamplings = positive_int("downsamplings", downsamplings, example=2)
    kernel_size = positive_int("kernel_size", kernel_size, example=4)
    dropout = positive_float("dropout", dropout, allow_zero=True, maximum=0.95)
    base_size(image_shape, downsamplings, "downsamplings")
    return image_shape, width, downsamplings, kernel_size, dropout


def judge_body(x, width: int, downsamplings: int, kernel_size: int, normalization: str | None = "batch",
               dropout: float = 0.0):
    """The DCGAN discriminator's convolutions on images ``x``: ``downsamplings`` stride-2 convolutions doubling the
    channels from ``width``, LeakyReLU(0.2), ``normalization`` ("batch", "layer" or None) after all but the first."""
    for i in range(downsamplings):
        normalized = normalization is not None and i > 0  # never at the input: the first layer sees raw images
        x = layers.Conv2D(width * 2**i, kernel_size, strides=2, padding="same", kernel_initializer=weight_init(),
                          use_bias=not normalized)(x)
        if normalized:
            x = layers.BatchNormalization()(x) if normalization == "batch" else layers.GroupNormalization(groups=1)(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    return x


def _convolutional_judge(image_shape, width, downsamplings, kernel_size, normalization, dropout, name,
                         minibatch_std=False):
    image_shape, width, downsamplings, kernel_size, dropout = judge_arguments(image_shape, width, downsamplings,
                                                                                kernel_size, dropout)

    images = keras.Input(shape=image_shape, name="images")
    x = judge_body(images, width, downsamplings, kernel_size, normalization, dropout)
    if minibatch_std:
        x = MinibatchStdDev()(x)
    x = layers.Flatten()(x)
    logits = layers.Dense(1, dtype="float32", kernel_initializer=weight_init(), name="logit")(x)
    return keras.Model(images, logits, name=name)
