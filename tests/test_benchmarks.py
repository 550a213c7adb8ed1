"""The benchmark scripts run end to end on a tiny budget (their real runs are recorded in the README)."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("method", ["gan", "pacgan2", "minibatch_std", "unrolled5", "wgan_gp"])
def test_mode_coverage_runs_each_method(method):
    bench = load("mode_coverage")
    row = bench.run(method, "ring", seed=0, steps=4, samples=200)
    assert row["method"] == method and 0 <= row["modes"] <= 8 and 0 <= row["high_quality"] <= 1
    assert sum(row["histogram"]) == round(row["high_quality"] * 200)
    table = bench.summarise([row, {**row, "seed": 1}])
    assert f"ganlab {method}" in table and "paper  PacGAN4" in table
