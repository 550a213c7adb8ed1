"""Multi-layer perceptron generator and discriminator (notebook 01).

The generator maps a noise vector z of shape (latent_dim,) to a sample of
``output_shape``; the discriminator maps a sample to one logit l, and
D(x) = sigmoid(l) is the probability it gives that x is real. Keeping logits
rather than probabilities makes the losses numerically stable
(see :mod:`ganlab.losses`).
"""
from __future__ import annotations

import math

import keras
from keras import layers

from ganlab._checks import int_sequence, one_of, positive_float, positive_int, shape
from ganlab.models.diversity import MinibatchStdDev

OUTPUT_ACTIVATIONS = ("tanh", "linear", None)


def mlp_generator(latent_dim: int = 64, output_shape=(28, 28, 1), hidden_units=(256, 512, 1024),
                  output_activation: str | None = "tanh", batch_norm: bool = True,
                  name: str = "generator") -> keras.Model:
    """An MLP generator: (batch, latent_dim) -> (batch, *output_shape).

    Hidden layers are Dense -> (BatchNorm) -> LeakyReLU(0.2). The output is
    ``tanh`` for images in [-1, 1], or linear (``output_activation=None``) for
    toy data that is not bounded.
    """
    latent_dim = positive_int("latent_dim", latent_dim, example=64)
    output_shape = shape("output_shape", output_shape)
    hidden_units = int_sequence("hidden_units", hidden_units, allow_empty=True)
    one_of("output_activation", output_activation, OUTPUT_ACTIVATIONS)

    noise = keras.Input(shape=(latent_dim,), name="noise")
    x = noise
    for width in hidden_units:
        x = layers.Dense(width, use_bias=not batch_norm)(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Dense(math.prod(output_shape))(x)
    if output_activation == "tanh":
        # float32 output keeps samples exact under a mixed-precision policy
        x = layers.Activation("tanh", dtype="float32")(x)
    else:
        x = layers.Activation("linear", dtype="float32")(x)
    outputs = layers.Reshape(output_shape)(x) if len(output_shape) > 1 else x
    return keras.Model(noise, outputs, name=name)


def mlp_discriminator(input_shape=(28, 28, 1), hidden_units=(512, 256), dropout: float = 0.3,
                      minibatch_std: bool = False, name: str = "discriminator") -> keras.Model:
    """An MLP discriminator: (batch, *input_shape) -> (batch, 1) logits.

    Hidden layers are Dense -> LeakyReLU(0.2) -> Dropout. No batch norm: the
    discriminator sees real and fake batches separately, and batch statistics
    would let it tell them apart by the batch rather than by the sample.
    ``minibatch_std=True`` appends the batch's standard deviation before the
    output layer (:class:`ganlab.models.diversity.MinibatchStdDev`, notebook 04).
    """
    input_shape = shape("input_shape", input_shape)
    hidden_units = int_sequence("hidden_units", hidden_units)
    dropout = positive_float("dropout", dropout, allow_zero=True, maximum=0.95)

    samples = keras.Input(shape=input_shape, name="samples")
    x = layers.Flatten()(samples) if len(input_shape) > 1 else samples
    for width in hidden_units:
        x = layers.Dense(width)(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    if minibatch_std:
        x = MinibatchStdDev()(x)
    logits = layers.Dense(1, dtype="float32", name="logit")(x)
    return keras.Model(samples, logits, name=name)
