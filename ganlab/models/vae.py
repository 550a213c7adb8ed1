"""A convolutional variational autoencoder's two networks (Kingma and Welling, 2014; notebook 10).

The encoder maps an image x to the mean and log-variance of q(z | x), a diagonal Gaussian; the
decoder maps a code z to one logit per pixel, the Bernoulli parameters of p(x | z) on pixels
rescaled to [0, 1]. The image a decoder draws is the mean of that Bernoulli, mapped back to
[-1, 1]: 2 sigmoid(logit) - 1 = tanh(logit / 2).

The layout mirrors the DCGAN's (``ganlab.models.dcgan``): stride-2 convolutions 28 -> 14 -> 7 in
the encoder, transposed convolutions 7 -> 14 -> 28 in the decoder, so that the three families of
notebook 10 are compared on networks of one kind.
"""
from __future__ import annotations

import keras
from keras import layers

from ganlab._checks import positive_int


def vae_encoder(image_shape=(28, 28, 1), latent_dim: int = 16, width: int = 32, name: str = "vae_encoder"
                ) -> keras.Model:
    """(batch, 28, 28, c) images in [-1, 1] -> [(batch, latent_dim) mean, (batch, latent_dim) log-variance]."""
    latent_dim = positive_int("latent_dim", latent_dim, example=16)
    width = positive_int("width", width, example=32)
    if tuple(image_shape[:2]) != (28, 28):
        raise ValueError(f"image_shape must be (28, 28, channels), got {tuple(image_shape)}.")
    images = keras.Input(shape=tuple(image_shape), name="images")
    x = images
    for channels in (width, 2 * width):  # 28 -> 14 -> 7
        x = layers.Conv2D(channels, 4, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(8 * width)(x)
    x = layers.LeakyReLU(0.2)(x)
    mean = layers.Dense(latent_dim, name="mean", dtype="float32")(x)
    log_variance = layers.Dense(latent_dim, name="log_variance", dtype="float32")(x)
    return keras.Model(images, [mean, log_variance], name=name)


def vae_decoder(latent_dim: int = 16, image_shape=(28, 28, 1), width: int = 32, name: str = "vae_decoder"
                ) -> keras.Model:
    """(batch, latent_dim) codes -> (batch, 28, 28, c) pixel logits (the image is tanh(logits / 2))."""
    latent_dim = positive_int("latent_dim", latent_dim, example=16)
    width = positive_int("width", width, example=32)
    if tuple(image_shape[:2]) != (28, 28):
        raise ValueError(f"image_shape must be (28, 28, channels), got {tuple(image_shape)}.")
    codes = keras.Input(shape=(latent_dim,), name="codes")
    x = layers.Dense(8 * width)(codes)
    x = layers.ReLU()(x)
    x = layers.Dense(7 * 7 * 2 * width)(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((7, 7, 2 * width))(x)
    x = layers.Conv2DTranspose(width, 4, strides=2, padding="same")(x)  # 14x14
    x = layers.ReLU()(x)
    logits = layers.Conv2DTranspose(image_shape[-1], 4, strides=2, padding="same", name="logits",
                                    dtype="float32")(x)  # 28x28
    return keras.Model(codes, logits, name=name)
