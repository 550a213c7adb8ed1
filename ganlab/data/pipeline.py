"""``tf.data`` pipelines over arrays held in memory, with an epoch-keyed order.

The order of the examples in epoch ``e`` is a pure function of ``(seed, e)``:
a stateless shuffle keyed on the dataset's own epoch counter (``dataset.epoch_counter``),
which :class:`ganlab.training.GAN` sets at the start of every epoch (Keras makes a new
iterator per epoch, after ``on_epoch_begin``). So a run resumed from a checkpoint at
epoch ``e`` sees the same batches as a run that was never stopped, which ``tf.data``'s
own ``shuffle`` cannot promise: its order depends on how many iterators the same
``Dataset`` object has already made. Without a GAN (plain Keras), the counter moves
on by itself each time an iterator is made, so every epoch still gets a fresh order.
Each pipeline has its own counter: iterating one never changes another's order. A
dataset transformed further (``.map``, ``.repeat``) is a new object without the
attribute; it still reshuffles each epoch, but ``GAN`` can no longer key its order.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from ganlab._checks import positive_int


def new_epoch_counter() -> tf.Variable:
    """A fresh epoch counter (starting at 0) for one pipeline, made outside any function being traced."""
    with tf.init_scope():
        return tf.Variable(0, dtype=tf.int64, trainable=False, name="ganlab_data_epoch")


def set_epoch(dataset: tf.data.Dataset, epoch: int) -> None:
    """Make the next iterator of ``dataset``, a ganlab pipeline, draw the order of ``epoch``."""
    counter = getattr(dataset, "epoch_counter", None)
    if counter is None:
        raise ValueError("dataset has no epoch_counter: only pipelines made by ganlab.data (array_dataset, mnist, "
                         "...) have one, and a transformed copy (.map, .repeat, ...) loses it. Pass the pipeline "
                         "itself.")
    counter.assign(positive_int("epoch", epoch, minimum=0, example=0))


def array_dataset(array: np.ndarray, batch_size: int, *, seed: int = 0, shuffle: bool = True,
                  scale_uint8: bool = False, drop_remainder: bool = True, labels: np.ndarray | None = None):
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
        A ``tf.data.Dataset`` of tensors of shape (batch_size, *array.shape[1:]).
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
    counter = new_epoch_counter()
    seed = int(seed)

    def epoch_indices(_):
        epoch = counter.assign_add(1) - 1  # read, then move on for plain-Keras use
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

    dataset = tf.data.Dataset.range(1).flat_map(epoch_indices)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    batches = n // batch_size if drop_remainder else -(-n // batch_size)
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(batches))  # so Keras knows the epoch length
    # Gathering a batch is cheap: a plain map with prefetch keeps the model busy (see benchmarks/).
    dataset = dataset.map(gather).prefetch(tf.data.AUTOTUNE)
    dataset.epoch_counter = counter  # read by GAN.fit (training.EpochClock) and set_epoch
    return dataset
