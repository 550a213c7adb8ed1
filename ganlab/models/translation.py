"""pix2pix's networks (Isola et al., 2017), sized for 28x28 images (notebook 08).

* :func:`unet_generator`: an encoder-decoder whose decoder also receives, at every
  resolution, the encoder's features of the same size (the U-Net's *skip connections*,
  Ronneberger et al., 2015). The input image and the output share their layout, edges
  and strokes, so low-level detail can go straight across instead of squeezing through
  the 7x7 bottleneck.
* :func:`patchgan_discriminator`: a fully convolutional discriminator that judges
  the pair (condition, image) one *patch* at a time and returns a grid of logits, one
  per overlapping patch, rather than one logit for the whole image. L1 already takes
  care of the low frequencies; the adversarial term only has to make each patch look
  real (Isola et al., section 3.2.2).

Layers follow the DCGAN guidelines of notebook 02: strided convolutions, batch norm
except at the generator's input and output and the discriminator's input, ReLU in the
decoder, LeakyReLU(0.2) elsewhere, tanh at the output, weights from N(0, 0.02). Unlike
pix2pix, the generator has no dropout: Isola et al. note that their generator learnt to
ignore it as a noise source, and without it a trained model is a deterministic map.
"""
from __future__ import annotations

import keras
from keras import layers

from ganlab._checks import positive_int, shape
from ganlab.models.dcgan import weight_init


def _check_size(image_shape, downsamplings: int, argument: str) -> None:
    height, width, _ = image_shape
    factor = 2**downsamplings
    if height % factor or width % factor:
        raise ValueError(f"image size {height}x{width} cannot be halved {downsamplings} times without remainder "
                         f"(it must be a multiple of {factor}); 28x28 works with {argument}=2. Change "
                         f"{argument} or the image size.")


def unet_generator(condition_shape=(28, 28, 1), out_channels: int = 1, width: int = 32, downsamplings: int = 2,
                   skips: bool = True, name: str = "unet") -> keras.Model:
    """A U-Net: (batch, H, W, C_in) in [-1, 1] -> (batch, H, W, out_channels) in [-1, 1].

    With the defaults, for 28x28 inputs::

        input 28x28xC ── conv 3x3 ──────────────── e0 28x28x32 ──────────────┐ (skip)
          stride-2 conv 4x4 ─────────────────────── e1 14x14x64 ────────┐     │
          stride-2 conv 4x4 ─────────────────────── e2  7x7x128         │     │
          conv 3x3 (bottleneck) ─────────────────── b   7x7x128         │     │
          stride-2 transposed conv 4x4 -> 14x14x64, concatenate e1 ─────┘     │
          stride-2 transposed conv 4x4 -> 28x28x32, concatenate e0 ───────────┘
          conv 3x3 -> 28x28x out_channels, tanh

    Args:
        condition_shape: the conditioning image's shape (H, W, C_in), for example a low-resolution
            digit upsampled to 28x28x1, or a masked digit with its mask as a second channel.
        out_channels: channels of the image made.
        width: channels of the first layer; each downsampling doubles them.
        downsamplings: stride-2 steps down (and as many up); H and W must be multiples of 2^downsamplings.
        skips: ``False`` drops the skip connections: a plain encoder-decoder with the same layers
            (less the concatenated channels), for comparison.
    """
    condition_shape = shape("condition_shape", condition_shape, ndim=(3,))
    out_channels = positive_int("out_channels", out_channels, example=1)
    width = positive_int("width", width, example=32)
    downsamplings = positive_int("downsamplings", downsamplings, example=2)
    _check_size(condition_shape, downsamplings, "downsamplings")

    condition = keras.Input(shape=condition_shape, name="condition")
    x = layers.Conv2D(width, 3, padding="same", kernel_initializer=weight_init(), name="encode_0")(condition)
    x = layers.LeakyReLU(0.2)(x)
    encoded = [x]
    for i in range(1, downsamplings + 1):
        x = layers.Conv2D(width * 2**i, 4, strides=2, padding="same", use_bias=False, kernel_initializer=weight_init(),
                          name=f"encode_{i}")(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        encoded.append(x)
    x = layers.Conv2D(width * 2**downsamplings, 3, padding="same", use_bias=False, kernel_initializer=weight_init(),
                      name="bottleneck")(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    for i in reversed(range(downsamplings)):
        x = layers.Conv2DTranspose(width * 2**i, 4, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=weight_init(), name=f"decode_{i}")(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        if skips:
            x = layers.Concatenate(name=f"skip_{i}")([x, encoded[i]])
    x = layers.Conv2D(out_channels, 3, padding="same", kernel_initializer=weight_init(), name="to_image")(x)
    image = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(condition, image, name=name)


def _patch_logits(x, width: int, downsamplings: int):
    """A PatchGAN's layers on ``x``: stride-2 4x4 convolutions (LeakyReLU 0.2, batch norm after the first), then a
    3x3 convolution to one logit per position."""
    for i in range(downsamplings):
        x = layers.Conv2D(width * 2**i, 4, strides=2, padding="same", use_bias=i == 0, kernel_initializer=weight_init(),
                          name=f"down_{i}")(x)
        if i > 0:  # never at the input: the first layer sees raw images
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    return layers.Conv2D(1, 3, padding="same", dtype="float32", kernel_initializer=weight_init(), name="patch_logits")(x)


def patchgan_discriminator(condition_shape=(28, 28, 1), image_shape=(28, 28, 1), width: int = 32,
                           downsamplings: int = 2, name: str = "patchgan") -> keras.Model:
    """A PatchGAN: [(batch, H, W, C_cond), (batch, H, W, C_img)] -> (batch, H / 2^d, W / 2^d, 1) logits.

    The condition and the image are concatenated along the channels, so D judges whether
    the image is a plausible *translation of this condition*, not just a plausible image.
    Then ``downsamplings`` (d) stride-2 4x4 convolutions (LeakyReLU 0.2, batch norm after
    the first) and a 3x3 convolution to one logit per position. With the defaults on 28x28
    images the output is a 7x7 grid, and each logit sees an 18x18 patch of the input
    (receptive field: 4, then 4 + 3 x 2 = 10, then 10 + 2 x 4 = 18 pixels). pix2pix's
    70x70 PatchGAN on 256x256 images is the same idea with more layers.

    Returns logits (no sigmoid); the losses average over every patch of every image.
    """
    condition_shape = shape("condition_shape", condition_shape, ndim=(3,))
    image_shape = shape("image_shape", image_shape, ndim=(3,))
    width = positive_int("width", width, example=32)
    downsamplings = positive_int("downsamplings", downsamplings, example=2)
    if condition_shape[:2] != image_shape[:2]:
        raise ValueError(f"condition_shape {condition_shape} and image_shape {image_shape} must have the same height "
                         "and width: D sees them stacked along the channels. Upsample the condition first "
                         "(ganlab.data.upsample).")
    _check_size(image_shape, downsamplings, "downsamplings")

    condition = keras.Input(shape=condition_shape, name="condition")
    image = keras.Input(shape=image_shape, name="image")
    x = layers.Concatenate(name="pair")([condition, image])
    logits = _patch_logits(x, width, downsamplings)
    return keras.Model([condition, image], logits, name=name)


def patch_discriminator(image_shape=(28, 28, 1), width: int = 32, downsamplings: int = 2,
                        name: str = "patch_discriminator") -> keras.Model:
    """A PatchGAN that judges one image alone: (batch, H, W, C) -> (batch, H / 2^d, W / 2^d, 1) logits.

    The layers of :func:`patchgan_discriminator` without the condition: CycleGAN's discriminators
    (Zhu et al., 2017; notebook 09) have no pair to judge, only whether each patch looks like the
    domain's images. With the defaults on 28x28 images: a 7x7 grid of logits, each seeing an 18x18 patch.
    """
    image_shape = shape("image_shape", image_shape, ndim=(3,))
    width = positive_int("width", width, example=32)
    downsamplings = positive_int("downsamplings", downsamplings, example=2)
    _check_size(image_shape, downsamplings, "downsamplings")

    image = keras.Input(shape=image_shape, name="image")
    x = image
    logits = _patch_logits(x, width, downsamplings)
    return keras.Model(image, logits, name=name)
