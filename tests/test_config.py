"""ganlab.config: quick mode, pick, seed."""
import random

import numpy as np
import pytest

import ganlab


@pytest.mark.parametrize("value, quick", [("1", True), ("true", True), (" YES ", True), ("on", True),
                                          ("", False), ("0", False), ("no", False)])
def test_quick_mode_reads_the_environment(monkeypatch, value, quick):
    monkeypatch.setenv("GANLAB_QUICK", value)
    assert ganlab.quick_mode() is quick
    assert ganlab.pick(full=30, quick=1) == (1 if quick else 30)


def test_quick_mode_off_when_unset(monkeypatch):
    monkeypatch.delenv("GANLAB_QUICK", raising=False)
    assert ganlab.quick_mode() is False


def test_the_test_suite_runs_in_quick_mode():
    assert ganlab.quick_mode()  # tests/conftest.py sets GANLAB_QUICK=1 unless told otherwise


def test_seed_repeats_python_numpy_and_tensorflow():
    import tensorflow as tf

    def draw():
        return random.random(), np.random.rand(), float(tf.random.uniform(()))

    ganlab.seed(5, deterministic=False)
    first = draw()
    ganlab.seed(5, deterministic=False)
    assert draw() == first
    ganlab.seed(6, deterministic=False)
    assert draw() != first
