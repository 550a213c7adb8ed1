"""The scarce-label experiment (ganlab.experiments.scarce_labels) and its benchmark script, on a tiny budget and fake data."""
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from ganlab import models
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


def test_load_can_keep_only_the_first_test_images(mnist_path):
    full = scarce_labels.load("mnist", 1, seed=0)
    short = scarce_labels.load("mnist", 1, seed=0, test_limit=300)
    assert len(full["test_images"]) == 10_000 and len(short["test_images"]) == 300
    np.testing.assert_array_equal(short["test_images"], full["test_images"][:300])
    np.testing.assert_array_equal(short["test_labels"], full["test_labels"][:300])
    np.testing.assert_array_equal(short["labelled_images"], full["labelled_images"])  # the training split as before
    with pytest.raises(ValueError, match="test_limit must be at least 1"):
        scarce_labels.load("mnist", 1, seed=0, test_limit=0)


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


def test_hold_then_decay_holds_for_half_the_updates_then_falls_linearly_to_zero():
    schedule = scarce_labels.HoldThenDecay(1e-3, 1000)
    rates = [float(schedule(step)) for step in (0, 250, 500, 750, 900, 1000, 1200)]
    assert rates == pytest.approx([1e-3, 1e-3, 1e-3, 5e-4, 2e-4, 0.0, 0.0], abs=1e-9)
    assert scarce_labels.HoldThenDecay(**schedule.get_config()).get_config() == {"rate": 1e-3, "steps": 1000}


def test_sgan_with_an_average_classifies_with_the_moving_average_of_its_weights():
    """After training, D holds a_t = m a_(t-1) + (1 - m) w_t over the trained weights w_1..w_T (a_1 = w_1)."""
    import keras

    class Trajectory(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            weights.append([np.array(v.numpy(), np.float64) for v in self.model.discriminator.trainable_variables])

    weights, momentum = [], 0.6
    split = fake_split("mnist", 2, 0)
    budget = scarce_labels.Budget(sgan_steps=4, sgan_batch=10, sgan_hidden_units=(16,), sgan_average=momentum,
                                  sgan_schedule="hold_then_decay")
    gan = scarce_labels.train_sgan(split, budget, seed=0, callbacks=[Trajectory()])
    expected = weights[0]
    for step in weights[1:]:
        expected = [momentum * a + (1 - momentum) * w for a, w in zip(expected, step)]
    final = [v.numpy() for v in gan.discriminator.trainable_variables]
    assert not all(np.allclose(f, w) for f, w in zip(final, weights[-1]))  # not simply the last weights
    for f, e in zip(final, expected):
        np.testing.assert_allclose(f, e, rtol=1e-4, atol=1e-6)


def test_sgan_generator_weight_norm_trains_the_output_scale():
    """With ``generator_weight_norm`` the generator's output layer is weight-normalised and its scale, starting at
    1, is trained with the rest; without it the output layer is a plain Dense."""
    from ganlab.models.conditional import WeightNormDense

    budget = scarce_labels.Budget(sgan_steps=3, sgan_batch=10, sgan_hidden_units=(16,))
    gan = scarce_labels.train_sgan(fake_split("mnist", 2, 0), budget, seed=0, generator_weight_norm=True)
    normed = [layer for layer in gan.generator.layers if isinstance(layer, WeightNormDense)]
    assert len(normed) == 1 and normed[0].scale.trainable
    assert not np.allclose(normed[0].scale.numpy(), 1.0)  # moved by training
    plain = scarce_labels.train_sgan(fake_split("mnist", 2, 0), budget, seed=0)
    assert not any(isinstance(layer, WeightNormDense) for layer in plain.generator.layers)
    with pytest.raises(TypeError, match="weight_norm must be True or False"):
        models.semi_supervised_generator(weight_norm="yes")


@pytest.mark.parametrize("field, value, message", [("sgan_average", 1.0, "sgan_average must be in"),
                                                    ("sgan_average", -0.1, "sgan_average must be in"),
                                                    ("sgan_schedule", "cosine", "sgan_schedule")])
def test_sgan_refuses_an_unknown_schedule_or_average(field, value, message):
    budget = scarce_labels.Budget(sgan_steps=2, sgan_batch=10, sgan_hidden_units=(16,), **{field: value})
    with pytest.raises(ValueError, match=message):
        scarce_labels.train_sgan(fake_split("mnist", 1, 0), budget)


def test_long_run_script_stores_trained_and_averaged_accuracy_and_tabulates(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("long_sgan", ROOT / "benchmarks" / "scarce_labels_long_sgan.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(scarce_labels, "load", fake_split)
    monkeypatch.setattr(bench, "OUT", tmp_path)
    monkeypatch.setattr(sys, "argv", ["long", "--name", "tiny", "--steps", "6", "--every", "3", "--average", "0.5"])
    bench.main()
    run = json.loads((tmp_path / "tiny_seed0.json").read_text())
    assert [p["steps"] for p in run["points"]] == [3, 6] and run["budget"]["sgan_schedule"] == "hold_then_decay"
    assert run["generator_weight_norm"] is True  # the recipe's default
    assert all(0 < p["cpu_seconds"] and "averaged_accuracy" in p for p in run["points"])
    assert scarce_labels.long_runs(tmp_path)[0]["name"] == "tiny"
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["long", "--table"])
    bench.main()
    assert "| tiny | 0 | 6 |" in capsys.readouterr().out


def test_the_stored_long_runs_ship_with_the_package():
    runs = scarce_labels.long_runs()
    recipe = [run for run in runs if run["name"] == "recipe"]
    assert sorted(run["seed"] for run in recipe) == [0, 1, 2]
    assert all(run["generator_weight_norm"] and run["points"][-1]["steps"] == 45000 for run in recipe)
    assert all(run["points"] and run["dataset"] == "mnist" for run in runs)
