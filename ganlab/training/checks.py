"""Checks that a GAN's optimizers and dataset fit it, run before any TensorFlow step: each raises a clear error
that names what is wrong and the fix."""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def output_is_tanh(model: keras.Model) -> bool:
    """Whether the last activation of ``model`` is tanh (its outputs then lie in [-1, 1])."""
    for layer in reversed(model.layers):
        activation = getattr(layer, "activation", None)
        if activation is not None:
            return activation is keras.activations.tanh
    return False


def check_optimizers(generator_optimizer, discriminator_optimizer) -> None:
    for arg, optimizer in (("generator_optimizer", generator_optimizer),
                           ("discriminator_optimizer", discriminator_optimizer)):
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise TypeError(f"{arg} must be a keras.optimizers.Optimizer such as keras.optimizers.Adam(2e-4), "
                            f"got {optimizer!r}.")
        rate = optimizer.learning_rate
        if not callable(rate) and float(keras.ops.convert_to_numpy(rate)) <= 0:
            raise ValueError(f"{arg} has learning rate {float(keras.ops.convert_to_numpy(rate))}; it must be > 0 "
                             "(typical values are 1e-4 to 1e-3).")
    if generator_optimizer is discriminator_optimizer:
        raise ValueError("generator_optimizer and discriminator_optimizer must be two different optimizer objects: "
                         "each keeps its own moments for its own network.")


def check_batches(dataset, parts: dict, *, example: str, generator=None, num_classes: int | None = None,
                  minimum_batch: int = 1) -> list:
    """Raise a clear error unless ``dataset`` yields tuples of the named ``parts``; return the first batch's parts.

    ``parts`` maps a name ("conditions", "labels") to the expected shape of one element, or to ``"labels"``
    for integer class labels (batch,). Images must be floats, finite, and in [-1, 1] when ``generator``
    ends in tanh; labels must lie in 0..num_classes - 1. ``example`` says how to build a right dataset.
    """
    names = list(parts)
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(f"x must be a tf.data.Dataset of ({', '.join(names)}) batches, for example {example}; "
                        f"got {type(dataset).__name__}.")
    spec = dataset.element_spec
    specs = spec if isinstance(spec, tuple) else (spec,)
    if len(specs) != len(names) or not all(isinstance(s, tf.TensorSpec) for s in specs):
        raise TypeError(f"x must yield ({', '.join(names)}) batches, got elements {spec}. Build it with {example}.")
    for name, part in zip(names, specs):
        if parts[name] == "labels":
            if not part.dtype.is_integer or len(part.shape) != 1:
                raise TypeError(f"x yields {name} of dtype {part.dtype.name} and shape {tuple(part.shape)}; they must "
                                "be integer class numbers of shape (batch,) (labels.astype('int32')).")
            continue
        if tuple(part.shape[1:]) != tuple(parts[name]):
            raise ValueError(f"x yields {name} of shape {tuple(part.shape)} but the networks expect "
                             f"(batch, {', '.join(map(str, parts[name]))}): build the models for the data's shape, "
                             "or reshape the data (and batch it: dataset.batch(64)).")
        if not part.dtype.is_floating:
            raise TypeError(f"x yields {name} of dtype {part.dtype.name}; convert to float32 "
                            "(images: pixels / 127.5 - 1).")
        if part.shape[0] is not None and part.shape[0] < minimum_batch:
            raise ValueError(f"batch size {part.shape[0]} is smaller than discriminator_steps={minimum_batch}: "
                             "each discriminator step needs at least one real sample. Use larger batches.")
    first = next(iter(dataset.take(1)), None)
    if first is None:
        raise ValueError("x is empty: it yields no batch. Check the data loading and that batch_size is not "
                         "larger than the dataset when drop_remainder=True.")
    first = [np.asarray(part) for part in (first if isinstance(first, tuple) else (first,))]
    for name, part in zip(names, first):
        if parts[name] == "labels":
            if num_classes is not None and (part.min() < 0 or part.max() >= num_classes):
                raise ValueError(f"x yields {name} from {part.min()} to {part.max()}, but the networks know "
                                 f"num_classes={num_classes} classes (0..{num_classes - 1}).")
            continue
        if not np.all(np.isfinite(part)):
            raise ValueError(f"x holds NaN or infinite {name} in its first batch; clean the data before training.")
        if generator is not None and output_is_tanh(generator) and np.abs(part).max() > 1.0 + 1e-3:
            raise ValueError(f"x holds {name} in [{part.min():.3g}, {part.max():.3g}] but the generator ends in tanh "
                             "and can only make values in [-1, 1]. Scale images to [-1, 1] (pixels / 127.5 - 1, "
                             "or ganlab.data.to_unit_range).")
    return first


def check_real_batches(dataset, sample_shape, generator, discriminator_steps: int = 1) -> None:
    """The plain GAN's dataset: batches of samples (or tuples whose first part is the samples)."""
    if isinstance(dataset, tf.data.Dataset) and isinstance(dataset.element_spec, tuple):
        dataset = dataset.map(lambda *parts: parts[0])
    check_batches(dataset, {"samples": sample_shape}, generator=generator, minimum_batch=discriminator_steps,
                  example="ganlab.data.mnist(batch_size=64) or ganlab.data.array_dataset(array, batch_size=64)")


def loss_scaled(*optimizers) -> list:
    """Under a ``mixed_float16`` policy, each optimizer wrapped in a ``LossScaleOptimizer``; else unchanged."""
    if keras.mixed_precision.global_policy().name != "mixed_float16":
        return list(optimizers)
    return [o if isinstance(o, keras.optimizers.LossScaleOptimizer) else keras.optimizers.LossScaleOptimizer(o)
            for o in optimizers]
