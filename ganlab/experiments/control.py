"""Controllable generation with a trained generator: edits of z by a classifier's gradient, and directions by
regression (notebook 10).

A GAN's generator G maps noise z to images; nothing in training says which direction of z means what.
Two ways to find out, both without retraining:

* **gradient edits** (as in "plug and play" generation, Nguyen et al., 2017): to make G(z) more of
  class c, climb the classifier's log-probability, z <- z + eta g / ||g|| with g = d log p(c | G(z)) / dz,
  a few steps; each sample gets its own direction;
* **a direction by regression** (as InterFaceGAN, Shen et al., 2020, does with a linear classifier): measure
  an attribute a on many samples, fit a ~ w . z + b by least squares, and move every z along w / ||w||,
  one direction for all samples.

How much *else* an edit changes (the other classes' probabilities, an unrelated attribute such as stroke
thickness) measures how entangled the direction is with everything else.
"""
from __future__ import annotations

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from ganlab._checks import positive_float, positive_int


# -- what is measured ----------------------------------------------------------------------------------------

def ink(images):
    """Stroke thickness as the mean brightness, mean over pixels of (x + 1) / 2: (n,) for images (n, h, w, c) in [-1, 1].

    Thicker strokes cover more pixels, so ink rises with thickness (and, less, with size). Works on NumPy
    arrays and on tensors (it is differentiable, so it can be a score for :func:`gradient_edit`).
    """
    return keras.ops.mean((keras.ops.reshape(images, (keras.ops.shape(images)[0], -1)) + 1.0) / 2.0, axis=1)


def class_log_probability(classifier: keras.Model, target: int):
    """A score function: images -> (n,) log p(target | image) under ``classifier`` (a model returning logits)."""
    target = int(target)

    def score(images):
        return keras.ops.log_softmax(classifier(images, training=False), axis=-1)[:, target]

    return score


def probabilities(classifier: keras.Model, images, batch_size: int = 1000) -> np.ndarray:
    """The classifier's class probabilities (n, classes) for images (n, h, w, c), as float64."""
    parts = [keras.ops.convert_to_numpy(keras.ops.softmax(classifier(images[i:i + batch_size], training=False)))
             for i in range(0, len(images), batch_size)]
    return np.concatenate(parts).astype(np.float64)


# -- gradient edits -----------------------------------------------------------------------------------------

def edit_step(generator: keras.Model, score, z, step_size: float):
    """One normalised gradient-ascent step: z + step_size g / ||g|| per sample, g = d score(G(z)) / dz.

    ``score``: images -> (n,) values to raise; ``z``: (n, latent_dim). The generator runs in inference mode
    (``training=False``) so batch norm uses its running statistics. Returns a (n, latent_dim) tensor.
    Notebook 10's learner writes this function.
    """
    z = tf.convert_to_tensor(z, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(z)
        total = tf.reduce_sum(score(generator(z, training=False)))  # samples are independent: sum, then d/dz_i
    gradient = tape.gradient(total, z)
    norm = tf.norm(gradient, axis=1, keepdims=True)
    return z + step_size * gradient / tf.maximum(norm, 1e-12)


def gradient_edit(generator: keras.Model, score, z, step_size: float = 0.5, steps: int = 10, step=None
                  ) -> list[np.ndarray]:
    """z after 0, 1, ..., ``steps`` calls of ``step`` (default :func:`edit_step`): a list of (n, latent_dim) arrays."""
    positive_float("step_size", step_size)
    positive_int("steps", steps, example=10)
    step = edit_step if step is None else step
    path = [np.asarray(z, np.float32)]
    for _ in range(steps):
        path.append(np.asarray(keras.ops.convert_to_numpy(step(generator, score, path[-1], step_size)), np.float32))
    return path


# -- directions by regression -----------------------------------------------------------------------------------

def regression_direction(z, values) -> np.ndarray:
    """The unit vector w / ||w|| of the least-squares fit values ~ w . z + b: (latent_dim,).

    ``z``: (n, latent_dim) codes, ``values``: (n,) an attribute measured on G(z).
    """
    z, values = np.asarray(z, np.float64), np.asarray(values, np.float64)
    if z.ndim != 2 or values.shape != (len(z),):
        raise ValueError(f"z must be (n, latent_dim) and values (n,), got {z.shape} and {values.shape}.")
    if len(z) <= z.shape[1]:
        raise ValueError(f"fit on more samples ({len(z)}) than dimensions ({z.shape[1]}): use a few thousand.")
    design = np.concatenate([z, np.ones((len(z), 1))], axis=1)
    w = np.linalg.lstsq(design, values, rcond=None)[0][:-1]
    return (w / np.linalg.norm(w)).astype(np.float32)


def direction_edit(z, direction, step_size: float = 0.5, steps: int = 10) -> list[np.ndarray]:
    """z + k step_size direction for k = 0 .. steps: the same path length as :func:`gradient_edit`'s."""
    direction = np.asarray(direction, np.float32)
    return [np.asarray(z, np.float32) + k * step_size * direction[None, :] for k in range(steps + 1)]


# -- what an edit did ------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class EditEffect:
    """What an edit of class towards ``target`` changed, from the classifier's view of the images before and after.

    Attributes:
        reached: the share of edited samples the classifier reads as ``target`` (argmax) after the edit.
        already: the share that were ``target`` before it.
        other_change: the mean over samples of the total absolute change of the *other* classes' probabilities,
            excluding the target and each sample's original class: what moved that the edit did not ask for (0..2).
        ink_change: the mean change of :func:`ink` (stroke thickness), an attribute the edit did not ask for.
        ink_before: the mean ink before, for scale.
    """

    reached: float
    already: float
    other_change: float
    ink_change: float
    ink_before: float


def edit_effect(classifier: keras.Model, before, after, target: int) -> EditEffect:
    """Measure an edit towards class ``target``: images ``before`` and ``after`` it, (n, h, w, c) in [-1, 1]."""
    p_before, p_after = probabilities(classifier, before), probabilities(classifier, after)
    original = p_before.argmax(axis=1)
    keep = np.ones_like(p_before, bool)
    keep[:, target] = False
    keep[np.arange(len(original)), original] = False
    other = np.sum(np.abs(p_after - p_before) * keep, axis=1)
    ink_before, ink_after = np.asarray(ink(before)), np.asarray(ink(after))
    return EditEffect(reached=float(np.mean(p_after.argmax(axis=1) == target)),
                      already=float(np.mean(original == target)), other_change=float(other.mean()),
                      ink_change=float(np.mean(ink_after - ink_before)), ink_before=float(ink_before.mean()))
