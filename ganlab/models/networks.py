"""Working with any network: a fresh copy of its structure, and its outputs on many inputs, a batch at a time."""
from __future__ import annotations

import keras
import numpy as np


def _copy_layer(layer):
    if isinstance(layer, keras.Model):  # a network nested in another (the style generator's two halves)
        return clone_network(layer)
    return layer.__class__.from_config(layer.get_config())


def clone_network(model: keras.Model) -> keras.Model:
    """``keras.models.clone_model`` with each layer copied from its config in memory, never through a saved form.

    Keras' default clone writes the whole config out as a saved model would, so that a function held in
    a layer's config (the learner's modulated convolution of notebook 07) is looked up again by name,
    and a function redefined or defined inside another function is lost. Copied here, the layer gets
    the very function object. The copy has new, freshly initialised weights, as with ``clone_model``.
    """
    return keras.models.clone_model(model, clone_function=_copy_layer)


def predict(network, inputs, batch_size: int = 1024, output: int | None = None) -> np.ndarray:
    """``network(inputs, training=False)`` a batch of ``batch_size`` at a time, as one float32 NumPy array.

    ``inputs``: an array, or a list of arrays for a network with several inputs (cut alike).
    ``output``: for a network with several outputs, which one to keep. An eager call per batch, not
    ``model.predict``, which traces a function of its own on every new network and shape: many
    small calls, as the notebooks make, are faster so.
    """
    several = isinstance(inputs, (list, tuple))
    n = len(inputs[0]) if several else len(inputs)
    parts = []
    for i in range(0, n, batch_size):
        chunk = [x[i:i + batch_size] for x in inputs] if several else inputs[i:i + batch_size]
        result = network(chunk, training=False)
        parts.append(keras.ops.convert_to_numpy(result if output is None else result[output]))
    return np.concatenate(parts).astype(np.float32)
