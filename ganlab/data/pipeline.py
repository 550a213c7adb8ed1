"""``tf.data`` pipelines over arrays held in memory, with an epoch-keyed order.

The order of the examples in epoch ``e`` is a pure function of ``(seed, e)``: a stateless
shuffle keyed on the epoch that the pipeline is told to draw. Every pipeline that
``ganlab.data`` makes is an :class:`EpochPipeline`, a ``tf.data.Dataset`` that owns its epoch
number; :class:`ganlab.training.GAN` sets it at the start of every epoch (Keras makes a new
iterator per epoch, after ``on_epoch_begin``). So a run resumed from a checkpoint at epoch
``e`` sees the same batches as a run that was never stopped, which ``tf.data``'s own
``shuffle`` cannot promise: its order depends on how many iterators the same ``Dataset``
object has already made. Without a GAN (plain Keras), each pass moves on to the next epoch
by itself, so every epoch still gets a fresh order. Each pipeline has its own epoch: iterating
one never changes another's order. A dataset transformed further (``.map``, ``.repeat``) is a
plain ``tf.data.Dataset``; it still reshuffles each pass, but ``GAN`` can no longer key its
order, unless :meth:`EpochPipeline.share_epochs` makes it a pipeline on the same epochs.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import tensorflow as tf

from ganlab._checks import positive_int


class EpochPipeline(tf.data.Dataset):
    """A ``tf.data.Dataset`` that knows which epoch its next pass draws.

    Made by :meth:`from_epochs`: on each pass it yields the elements of ``one_epoch(e)`` for its
    current epoch ``e``, then moves ``e`` on by one. Use it as any ``tf.data.Dataset``;
    :attr:`epoch` and :meth:`set_epoch` read and set the epoch, a ``tf.Variable`` that the
    pipeline's own functions read at the start of each pass.
    """

    def __init__(self, dataset: tf.data.Dataset, counter: tf.Variable):
        self._dataset = dataset
        self._counter = counter
        # tf.data's contract for a subclass: hand the base class the variant tensor it stands for.
        super().__init__(tf.data.experimental.to_variant(dataset))

    @classmethod
    def from_epochs(cls, one_epoch: Callable[[tf.Tensor], tf.data.Dataset],
                    finish: Callable[[tf.data.Dataset], tf.data.Dataset] = lambda dataset: dataset) -> EpochPipeline:
        """The pipeline ``finish(passes)``, where each pass of ``passes`` is ``one_epoch(epoch)`` (epoch: int64)."""
        with tf.init_scope():  # the counter is made outside any function being traced
            counter = tf.Variable(0, dtype=tf.int64, trainable=False, name="ganlab_data_epoch")

        def draw(_):
            return one_epoch(counter.assign_add(1) - 1)  # read, then move on for plain-Keras use

        return cls(finish(tf.data.Dataset.range(1).flat_map(draw)), counter)

    def _inputs(self):  # tf.data's contract for a subclass: the datasets it reads from
        return [self._dataset]

    @property
    def element_spec(self):
        return self._dataset.element_spec

    @property
    def epoch(self) -> int:
        """The epoch whose order the next pass draws (0 for a new pipeline)."""
        return int(self._counter.numpy())

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass draw the order of ``epoch`` (a whole number, 0 for the first)."""
        self._counter.assign(positive_int("epoch", epoch, minimum=0, example=0))

    def share_epochs(self, transformed: tf.data.Dataset) -> EpochPipeline:
        """``transformed``, a dataset made from this pipeline (by ``.map``, ``.repeat``, ...), as a
        pipeline on this one's epoch: setting the epoch of either sets both."""
        if not isinstance(transformed, tf.data.Dataset):
            raise TypeError(f"transformed must be a tf.data.Dataset made from this pipeline, got "
                            f"{type(transformed).__name__}.")
        return EpochPipeline(transformed, self._counter)


def set_epoch(dataset: tf.data.Dataset, epoch: int) -> None:
    """Make the next pass of ``dataset``, a ganlab pipeline, draw the order of ``epoch``."""
    if not isinstance(dataset, EpochPipeline):
        raise ValueError("dataset has no epoch: only pipelines made by ganlab.data (array_dataset, mnist, ...) "
                         "have one, and a transformed copy (.map, .repeat, ...) loses it. Pass the pipeline "
                         "itself, or pipeline.share_epochs(copy).")
    dataset.set_epoch(epoch)


def array_dataset(array: np.ndarray, batch_size: int, *, seed: int = 0, shuffle: bool = True,
                  scale_uint8: bool = False, drop_remainder: bool = True,
                  labels: np.ndarray | None = None) -> EpochPipeline:
    """Batches of ``array`` (examples on axis 0), reshuffled each epoch.

    Args:
        array: the examples, float32 (or uint8 with ``scale_uint8=True``).
        batch_size: examples per batch; the last, smaller batch is dropped so
            that every step sees the same batch size.
        seed: the shuffle seed; with it, the order of each epoch is fixed.
        scale_uint8: map uint8 pixels 0..255 to float32 in [-1, 1] per batch
            (keeps the whole set in memory as bytes, a quarter of float32).
        labels: optional per-example labels (len(array),); batches are then
            (examples, labels) pairs, drawn in the same order.
    Returns:
        An :class:`EpochPipeline` (a ``tf.data.Dataset``) of tensors of shape (batch_size, *array.shape[1:]).
    """
    array = np.asarray(array)
    positive_int("batch_size", batch_size, example=64)
    if array.ndim < 1 or len(array) == 0:
        raise ValueError("array is empty: a dataset needs at least one example. Check how the data was loaded or filtered.")
    if drop_remainder and batch_size > len(array):
        raise ValueError(
            f"batch_size={batch_size} is larger than the dataset ({len(array)} examples), so no full batch "
            f"exists. Use batch_size <= {len(array)} or more data."
        )
    if scale_uint8 and array.dtype != np.uint8:
        raise TypeError(f"scale_uint8=True expects uint8 pixels, got dtype {array.dtype}.")
    if not scale_uint8 and not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"array must hold floats (got dtype {array.dtype}); for uint8 images pass scale_uint8=True "
            "to map 0..255 to [-1, 1]."
        )
    n = len(array)
    if labels is not None and len(labels) != n:
        raise ValueError(f"labels must have one entry per example ({n}), got {len(labels)}.")
    label_values = None if labels is None else tf.convert_to_tensor(np.asarray(labels))
    values = tf.convert_to_tensor(array if scale_uint8 else array.astype(np.float32))
    seed = int(seed)

    def epoch_indices(epoch):
        indices = tf.range(n, dtype=tf.int64)
        if shuffle:
            key = tf.stack([tf.constant(seed, tf.int64), epoch])
            indices = tf.random.experimental.stateless_shuffle(indices, seed=key)
        return tf.data.Dataset.from_tensor_slices(indices)

    def gather(indices):
        batch = tf.gather(values, indices)
        if scale_uint8:
            batch = tf.cast(batch, tf.float32) / 127.5 - 1.0
        return batch if label_values is None else (batch, tf.gather(label_values, indices))

    batches = n // batch_size if drop_remainder else -(-n // batch_size)

    def finish(dataset):
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(batches))  # so Keras knows the epoch length
        # Gathering a batch is cheap: a plain map with prefetch keeps the model busy (see benchmarks/).
        return dataset.map(gather).prefetch(tf.data.AUTOTUNE)

    return EpochPipeline.from_epochs(epoch_indices, finish)
