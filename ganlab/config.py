"""Quick mode, seeding and paths: the few settings every notebook shares.

Quick mode is switched on by the environment variable ``GANLAB_QUICK`` (``1``,
``true`` or ``yes``). CI sets it so that each notebook finishes in about a
minute; learners leave it unset and get the full result.
"""
from __future__ import annotations

import os
import random

import keras
import numpy as np
import tensorflow as tf

from ganlab._checks import positive_int

QUICK_ENV = "GANLAB_QUICK"


def quick_mode() -> bool:
    """True when ``GANLAB_QUICK`` asks for scaled-down training."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def pick(full, quick):
    """Return ``quick`` in quick mode and ``full`` otherwise.

    Notebooks write every training budget this way, for example
    ``EPOCHS = ganlab.pick(full=30, quick=1)``, so that the same cell serves a
    learner and CI.
    """
    return quick if quick_mode() else full


def seed(value: int = 0, *, deterministic: bool = True) -> None:
    """Seed Python, NumPy, TensorFlow and Keras so that a CPU run repeats exactly.

    Calls ``keras.utils.set_random_seed`` (Python, NumPy and the TensorFlow
    global seed) and, with ``deterministic=True``, TensorFlow's op determinism,
    which also makes ``tf.data`` deterministic. Call it before building models:
    weights are drawn when a layer is built.
    """
    positive_int("value", value, minimum=0, example=0)
    keras.utils.set_random_seed(int(value))
    random.seed(int(value))
    np.random.seed(int(value))
    if deterministic:
        tf.config.experimental.enable_op_determinism()
