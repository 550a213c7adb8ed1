"""``clone_network``: a fresh copy of a network's structure, layer by layer, from the layers' own configs."""
from __future__ import annotations

import keras


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
