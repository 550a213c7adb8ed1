"""The scarce-label experiment (ganlab.experiments.scarce_labels) and its benchmark script, on a tiny budget and fake data."""
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from ganlab.experiments import scarce_labels

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--classifier-steps", "2", "--classifier-batch", "8", "--cgan-steps", "2", "--cgan-batch", "8",
        "--cgan-samples-per-class", "2", "--sgan-steps", "2", "--sgan-batch", "10"]


def fake_split(name, n, seed):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (600, 28, 28, 1)).astype("float32")
    labels = (np.arange(600) % 10).astype("int32")
    return {"labelled_images": images[:10 * n], "labelled_labels": labels[:10 * n], "images": images,
            "test_images": images[:50], "test_labels": labels[:50]}


def load_script():
    spec = importlib.util.spec_from_file_location("scarce_labels_bench", ROOT / "benchmarks" / "scarce_labels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_every_method_appends_and_tabulates(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(scarce_labels, "load", fake_split)
    bench = load_script()
    base = ["scarce_labels.py", "--datasets", "mnist", "--labels", "1", "--out", str(tmp_path), *TINY]
    monkeypatch.setattr(sys, "argv", base + ["--seeds", "1"])
    bench.main()
    saved = json.loads((tmp_path / "result.json").read_text())
    assert [r["method"] for r in saved["rows"]] == list(scarce_labels.METHODS)
    # an accuracy over the fake split's 50 test images is a whole number of them
    assert all(abs(r["test_accuracy"] * 50 - round(r["test_accuracy"] * 50)) < 1e-6 and r["cpu_seconds"] > 0
               for r in saved["rows"])
    monkeypatch.setattr(sys, "argv", base + ["--seeds", "2", "--append", "--methods", "labelled"])
    bench.main()
    rows = json.loads((tmp_path / "result.json").read_text())["rows"]
    count = len(scarce_labels.METHODS)
    assert len(rows) == count + 1 and rows[:count] == saved["rows"] and rows[count]["seed"] == 1
    table = (tmp_path / "table.md").read_text()
    assert "(a) labelled only" in table and "± " in table and "Machine:" in table
    monkeypatch.setattr(sys, "argv", base + ["--seeds", "3", "--append", "--classifier-steps", "3"])
    with pytest.raises(SystemExit):  # another budget: appending would mix two experiments
        bench.main()
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["scarce_labels.py", "--out", str(tmp_path), "--table-only"])
    bench.main()
    assert "| mnist | 1 |" in capsys.readouterr().out


def test_summary_is_mean_and_standard_error():
    rows = [{"dataset": "mnist", "labels_per_class": 10, "method": "labelled", "seed": s, "test_accuracy": a,
             "cpu_seconds": 1.0} for s, a in enumerate([0.7, 0.8, 0.9])]
    (summary,) = scarce_labels.summarise(rows)
    assert summary["mean"] == pytest.approx(0.8) and summary["standard_error"] == pytest.approx(0.1 / np.sqrt(3))
    assert "80.0 ± 5.8" in scarce_labels.table(rows)


def test_the_discriminator_alone_classifies_a_bare_tensor_without_a_warning():
    import warnings

    rng = np.random.default_rng(0)
    split = {"images": rng.uniform(-1, 1, (600, 28, 28, 1)).astype(np.float32),
             "labelled_images": rng.uniform(-1, 1, (20, 28, 28, 1)).astype(np.float32),
             "labelled_labels": np.arange(20) % 10}
    model = scarce_labels.train_sgan_d_alone(split, scarce_labels.Budget(sgan_steps=2, sgan_batch=10))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras warned that a list-structured model got a bare tensor
        scarce_labels.classifier_accuracy(model, split["images"][:50], np.zeros(50, int))
