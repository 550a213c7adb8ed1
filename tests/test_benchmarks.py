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


def test_mode_coverage_table_puts_ours_beside_the_papers():
    from ganlab import collapse

    bench = load("mode_coverage")
    row = collapse.train("gan", bench.DATASETS["ring"](), 0, collapse.Recipe(steps=4, batch_size=32),
                         samples=200, dataset="ring").row()
    table = bench.summarise([row, {**row, "seed": 1}])
    assert "ring" in table and " gan " in table and "PacGAN4" in table and "grid" not in table
