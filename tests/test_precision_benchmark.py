"""benchmarks/precision.py: the float32-against-mixed comparison it runs on GPUs, checked here on the CPU."""
import importlib.util
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("precision", ROOT / "benchmarks" / "precision.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def float32_after():
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_mixed_float16_penalties_match_float32_within_tolerance_and_float32_matches_itself(bench):
    rng = np.random.default_rng(0)
    real = tf.constant(rng.uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32))
    noise = tf.constant(rng.standard_normal((8, 64)).astype(np.float32))
    weights = [net.get_weights() for net in bench.build("float32", 4)]
    reference = bench.correctness("float32", 4, weights, real, noise)
    again = bench.correctness("float32", 4, weights, real, noise)
    half = bench.correctness("mixed_float16", 4, weights, real, noise)
    assert set(reference) == {"d_loss", "r1", "r1_grad", "gp", "gp_grad"}
    assert all(bench.relative_error(again[k], reference[k]) < 1e-6 for k in reference)
    errors = {k: bench.relative_error(half[k], reference[k]) for k in reference}
    assert all(e <= bench.TOLERANCE for e in errors.values()), errors
    assert errors["r1_grad"] > 0  # half precision really ran: it rounds differently


def test_relative_error_catches_a_wrong_gradient(bench):
    assert bench.relative_error([1.0, 2.0], [1.0, 2.0]) == 0
    assert bench.relative_error([1.0, 2.2], [1.0, 2.0]) > bench.TOLERANCE


@pytest.mark.skipif(bool(tf.config.list_physical_devices("GPU")), reason="checks the refusal on a CPU-only machine")
def test_refuses_to_measure_a_cpu_unless_asked(bench, capsys):
    with pytest.raises(SystemExit):
        bench.main([])
    assert "no GPU or TPU found" in capsys.readouterr().err
