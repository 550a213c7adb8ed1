"""Telling generated images from real ones: a small detector and its accuracy (notebook 08).

A detector is a binary classifier trained on real images (label 0) and the images of
one generator (label 1). It can reach near-perfect accuracy on that generator and still
fail on another: it learns whatever artefacts tell *those* fakes apart (checkerboard
patterns of transposed convolutions, the spectrum of an upsampler, blur), not "being
generated" in general (Wang et al., 2020, "CNN-generated images are surprisingly easy to
spot... for now"; Ojha et al., 2023). Notebook 08 measures both.
"""
from __future__ import annotations

import dataclasses

import keras
import numpy as np
from keras import layers

from ganlab._checks import positive_int, shape


@dataclasses.dataclass(frozen=True)
class Detection:
    """Accuracy of a detector on balanced real and fake sets (each a share in [0, 1])."""

    accuracy: float  # (real called real + fakes called fake) / all
    real_accuracy: float  # share of real images called real
    fake_accuracy: float  # share of fakes called fake (the detection rate)


def fake_detector(image_shape=(28, 28, 1), width: int = 16, name: str = "detector") -> keras.Model:
    """A small CNN (batch, *image_shape) -> (batch, 1) logit that the image is generated.

    Two stride-2 3x3 convolutions (``width``, 2 x ``width`` channels, LeakyReLU 0.2), then a
    linear map of the flattened features to one logit.
    """
    image_shape = shape("image_shape", image_shape, ndim=(3,))
    width = positive_int("width", width, example=16)
    images = keras.Input(shape=image_shape, name="images")
    x = layers.Conv2D(width, 3, strides=2, padding="same")(images)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(2 * width, 3, strides=2, padding="same")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)  # keep where each feature is: a fake may be told by its shape as well as its texture
    logit = layers.Dense(1, dtype="float32", name="fake_logit")(x)
    return keras.Model(images, logit, name=name)


def _labelled(real, fake, seed):
    real = np.asarray(real, np.float32)
    fake = np.asarray(fake, np.float32)
    if real.shape[1:] != fake.shape[1:]:
        raise ValueError(f"real and fake images must have the same shape, got {real.shape} and {fake.shape}.")
    x = np.concatenate([real, fake])
    y = np.concatenate([np.zeros(len(real)), np.ones(len(fake))]).astype(np.float32)[:, None]
    order = np.random.default_rng(seed).permutation(len(x))
    return x[order], y[order]


def train_detector(real, fake, epochs: int = 5, batch_size: int = 64, width: int = 16, seed: int = 0,
                   verbose: int = 0) -> keras.Model:
    """Train :func:`fake_detector` on ``real`` (label 0) against ``fake`` (label 1) images; returns it.

    Adam 1e-3, binary cross-entropy on the logit; the two sets are shuffled together with ``seed``.
    """
    epochs = positive_int("epochs", epochs, example=3)
    batch_size = positive_int("batch_size", batch_size, example=128)
    x, y = _labelled(real, fake, seed)
    detector = fake_detector(x.shape[1:], width=width)
    detector.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    detector.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=verbose)
    return detector


def detection_accuracy(detector: keras.Model, real, fake, threshold: float = 0.5) -> Detection:
    """Accuracy of ``detector`` on real and fake images, calling an image fake when P(fake) > ``threshold``."""
    def called_fake(images):
        logits = detector.predict(np.asarray(images, np.float32), batch_size=1000, verbose=0)[:, 0]
        return 1.0 / (1.0 + np.exp(-logits.astype(np.float64))) > threshold

    real_called_fake, fake_called_fake = called_fake(real), called_fake(fake)
    real_accuracy = float(1.0 - real_called_fake.mean())
    fake_accuracy = float(fake_called_fake.mean())
    accuracy = float((len(real) * real_accuracy + len(fake) * fake_accuracy) / (len(real) + len(fake)))
    return Detection(accuracy, real_accuracy, fake_accuracy)
