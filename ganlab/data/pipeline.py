"""``tf.data`` pipelines over arrays held in memory, with an epoch-keyed order.

The order of the examples in epoch ``e`` is a pure function of ``(seed, e)``:
a stateless shuffle keyed on a counter that :class:`ganlab.training.GAN`
sets at the start of every epoch (Keras makes a new iterator per epoch, after
``on_epoch_begin``). So a run resumed from a checkpoint at epoch ``e`` sees the
same batches as a run that was never stopped, which ``tf.data``'s own
``shuffle`` cannot promise: its order depends on how many iterators the same
``Dataset`` object has already made. Without a GAN (plain Keras), the counter
moves on by itself each time an iterator is made, so every epoch still gets a
fresh order.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from ganlab._checks import positive_int

_EPOCH = None  # a tf.Variable, made on first use (outside any tf.function or strategy scope being traced)


def epoch_counter():
    """The shared variable holding the epoch whose order the pipelines draw next."""
    global _EPOCH
    if _EPOCH is None:
        with tf.init_scope():
            _EPOCH = tf.Variable(0, dtype=tf.int64, trainable=False, name="ganlab_data_epoch")
    return _EPOCH


def set_epoch(epoch: int) -> None:
    """Make the next iterator of every ganlab pipeline draw the order of ``epoch``."""
    epoch_counter().assign(int(epoch))


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
    counter = epoch_counter()
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
    return dataset.map(gather).prefetch(tf.data.AUTOTUNE)
