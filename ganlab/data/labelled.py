"""Labelled pipelines, and "only n labels per class" (notebook 06).

* :func:`labelled_dataset`: MNIST or Fashion-MNIST as (images, labels) batches, for a
  conditional GAN or a classifier.
* :func:`labels_per_class`: a seeded split that keeps the labels of exactly n examples
  of each class and treats the rest as unlabelled, the setting of semi-supervised
  learning benchmarks (Salimans et al., 2016, use 100 labels in all on MNIST: 10 per class).
* :func:`semi_supervised_dataset`: batches of (unlabelled images, labelled images,
  their labels) for :class:`ganlab.training.SemiSupervisedGAN`: every step sees a
  fresh batch of the whole training set and a batch of the few labelled examples,
  drawn again and again.

The order of every epoch is a pure function of (seed, epoch), as in :mod:`ganlab.data.pipeline`,
so a resumed run sees the batches that an uninterrupted one would.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from ganlab._checks import one_of, positive_int
from ganlab.data.images import LOADERS, _select, to_unit_range
from ganlab.data.pipeline import EpochPipeline, array_dataset


def labelled_dataset(name: str = "mnist", batch_size: int = 64, split: str = "train", classes=None,
                     limit: int | None = None, seed: int = 0, download: bool | None = None):
    """(images, labels) batches of MNIST or Fashion-MNIST: images (batch, 28, 28, 1) in [-1, 1], labels (batch,) int32.

    Keyword arguments as :func:`ganlab.data.image_dataset`; the order of each epoch is fixed by ``seed``.
    """
    one_of("name", name, LOADERS)
    images, labels = LOADERS[name](split, download)
    images, labels = _select(images, labels, classes, limit)
    return array_dataset(images[..., None], batch_size=batch_size, seed=seed, scale_uint8=True,
                         labels=labels.astype(np.int32))


def labels_per_class(labels, n: int, seed: int = 0, num_classes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Choose exactly ``n`` labelled examples of every class, at random but fixed by ``seed``.

    Args:
        labels: the labels of the whole training set, (N,) integers 0..K-1.
        n: labelled examples kept per class.
        seed: the same seed gives the same split.
        num_classes: K; by default ``labels.max() + 1``. Every class must have at least ``n`` examples.
    Returns:
        (labelled, unlabelled): sorted index arrays into ``labels``, of lengths n * K and N - n * K,
        disjoint and together covering every example.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) == 0:
        raise ValueError(f"labels must be a non-empty 1-d array of class numbers, got shape {labels.shape}.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be integers (class numbers 0..K-1), got dtype {labels.dtype}.")
    if labels.min() < 0:
        raise ValueError(f"labels must be class numbers 0..K-1, got a negative label {labels.min()}.")
    n = positive_int("n", n, example=10)
    num_classes = int(labels.max()) + 1 if num_classes is None else positive_int("num_classes", num_classes,
                                                                                   minimum=2, example=10)
    if labels.max() >= num_classes:
        raise ValueError(f"labels hold class {labels.max()} but num_classes={num_classes}.")
    counts = np.bincount(labels, minlength=num_classes)
    if counts.min() < n:
        short = int(np.argmin(counts))
        raise ValueError(f"n={n} labels per class asked for, but class {short} has only {counts[short]} examples: "
                         f"use n <= {counts.min()}.")
    rng = np.random.default_rng(seed)
    labelled = np.concatenate([rng.choice(np.flatnonzero(labels == c), n, replace=False) for c in range(num_classes)])
    labelled = np.sort(labelled)
    unlabelled = np.setdiff1d(np.arange(len(labels)), labelled)
    return labelled, unlabelled


def scarce_labels(name: str = "mnist", n: int = 10, seed: int = 0, download: bool | None = None):
    """The training set of ``name`` with ``n`` labels per class: a dict of float32 arrays in [-1, 1].

    Keys: ``labelled_images`` (n K, 28, 28, 1), ``labelled_labels`` (n K,) int32, ``images`` (all N training
    images, the unlabelled pool of the semi-supervised GAN, which may use every image but none of the other labels).
    """
    one_of("name", name, LOADERS)
    images, labels = LOADERS[name]("train", download)
    labelled, _ = labels_per_class(labels, n, seed)
    images = to_unit_range(images)
    return {"labelled_images": images[labelled], "labelled_labels": labels[labelled].astype(np.int32),
            "images": images}


def semi_supervised_dataset(images, labelled_images, labelled_labels, batch_size: int = 100,
                            labelled_batch_size: int | None = None, seed: int = 0):
    """Batches of (unlabelled images, labelled images, labels) for the semi-supervised GAN.

    Args:
        images: every training image (N, ...) float32, used without labels.
        labelled_images, labelled_labels: the few labelled examples (M, ...) and their classes (M,).
        batch_size: unlabelled images per step; an epoch is N // batch_size steps.
        labelled_batch_size: labelled images per step (default ``batch_size``). The labelled set is
            cycled through in a fresh random order each time it runs out.
    Returns:
        A ``tf.data.Dataset`` of (batch_size, ...), (labelled_batch_size, ...), (labelled_batch_size,) int32.
    """
    images = np.asarray(images, dtype=np.float32)
    labelled_images = np.asarray(labelled_images, dtype=np.float32)
    labelled_labels = np.asarray(labelled_labels)
    batch_size = positive_int("batch_size", batch_size, example=100)
    labelled_batch_size = positive_int("labelled_batch_size", labelled_batch_size or batch_size, example=100)
    if len(images) < batch_size:
        raise ValueError(f"batch_size={batch_size} is larger than the unlabelled set ({len(images)} images).")
    if len(labelled_images) == 0 or len(labelled_images) != len(labelled_labels):
        raise ValueError(f"labelled_images and labelled_labels must be non-empty and of one length, got "
                         f"{len(labelled_images)} and {len(labelled_labels)}.")
    if labelled_images.shape[1:] != images.shape[1:]:
        raise ValueError(f"labelled_images have shape {labelled_images.shape[1:]} per example but images "
                         f"{images.shape[1:]}: both must be images of one shape.")
    if not np.issubdtype(labelled_labels.dtype, np.integer):
        raise TypeError(f"labelled_labels must be integers, got dtype {labelled_labels.dtype}.")
    n, m = len(images), len(labelled_images)
    steps = n // batch_size
    cycles = -(-steps * labelled_batch_size // m)  # passes over the labelled set per epoch
    pool = tf.convert_to_tensor(images)
    few = tf.convert_to_tensor(labelled_images)
    few_labels = tf.convert_to_tensor(labelled_labels.astype(np.int32))
    seed = int(seed)

    def epoch_batches(epoch):
        key = tf.stack([tf.constant(seed, tf.int64), epoch])
        unlabelled = tf.random.experimental.stateless_shuffle(tf.range(n, dtype=tf.int64), seed=key)
        unlabelled = tf.reshape(unlabelled[:steps * batch_size], (steps, batch_size))
        # One random permutation of the labelled set per cycle: argsort of uniform numbers, row by row.
        other = tf.random.experimental.stateless_fold_in(key, 1)
        order = tf.argsort(tf.random.stateless_uniform((cycles, m), seed=other), axis=1)
        labelled = tf.reshape(tf.reshape(order, (-1,))[:steps * labelled_batch_size], (steps, labelled_batch_size))
        return tf.data.Dataset.from_tensor_slices((unlabelled, labelled))

    def gather(unlabelled, labelled):
        return tf.gather(pool, unlabelled), tf.gather(few, labelled), tf.gather(few_labels, labelled)

    def finish(dataset):
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(steps))
        return dataset.map(gather).prefetch(tf.data.AUTOTUNE)

    return EpochPipeline.from_epochs(epoch_batches, finish)
