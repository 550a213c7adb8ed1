"""ganlab train / sample / evaluate (ganlab.course.runs): a run's files, sampling and evaluating, a killed run resumed."""
import csv
import json
import signal
import subprocess

import numpy as np
import pytest
from cli_helpers import command, environment

from ganlab.course import cli, runs
from ganlab import data, metrics

TINY = ["--epochs", "2", "--limit", "256", "--batch-size", "32", "--width", "8", "--fd-samples", "200"]


def history(folder):
    with open(folder / "history.csv") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    assert cli.main(["train", "--output", str(folder), *TINY]) == 0
    return folder


def test_train_writes_the_generator_samples_logs_and_best_checkpoint(trained):
    for name in ("generator.keras", "best_generator.keras", "best.weights.h5", "samples.png", "history.csv", "logs"):
        assert (trained / name).exists(), name
    rows = history(trained)
    assert [row["epoch"] for row in rows] == ["0", "1"]
    assert all(np.isfinite(float(row["fid"])) and float(row["fid"]) > 0 for row in rows)
    assert not (trained / "backup").exists()  # BackupAndRestore removes its checkpoint when training ends


def test_sample_and_evaluate_a_saved_generator(trained, tmp_path, capsys, monkeypatch):
    assert cli.main(["sample", str(trained / "generator.keras"), "--output", str(tmp_path / "grid.png")]) == 0
    import imageio.v3 as iio

    assert iio.imread(tmp_path / "grid.png").shape == (8 * 29 + 1, 8 * 29 + 1)
    array = runs.sample(trained / "generator.keras", tmp_path / "x.npy", n=10, seed=3)
    assert np.load(array).shape == (10, 28, 28, 1)
    np.testing.assert_allclose(np.load(array), np.load(runs.sample(trained / "generator.keras", tmp_path / "y.npy",
                                                                   n=10, seed=3)), atol=1e-6)
    measured = []  # what the command's own call of runs.evaluate returned: the same call, not repeated here

    def evaluate(*args, **kwargs):
        measured.append(((args, kwargs), real_evaluate(*args, **kwargs)))
        return measured[-1][1]

    real_evaluate = runs.evaluate
    monkeypatch.setattr(runs, "evaluate", evaluate)
    assert cli.main(["evaluate", str(trained / "generator.keras"), "-n", "300"]) == 0
    out = capsys.readouterr().out
    assert "Fréchet distance" in out and "classifier score" in out and "KID" in out and "coverage" in out
    ((args, kwargs), result), = measured
    assert [str(a) for a in args] == [str(trained / "generator.keras")] and kwargs["n"] == 300 \
        and kwargs["dataset"] == "mnist" and kwargs["seed"] == 0  # runs.evaluate(generator, n=300)'s defaults
    assert result["frechet_distance"] > 10 and 1 <= result["classifier_score"] <= 10  # an untrained generator
    assert result["kid"] > 10 * result["kid_std"] / np.sqrt(50) and 0 <= result["precision"] <= 1
    assert result["frechet_distance"] == pytest.approx(
        metrics.frechet_distance(runs._generate(trained / "generator.keras", 300, 0),
                                 runs._test_images("mnist", 300, 0)), rel=1e-6)
    first, _ = data.load_images("mnist", split="test")
    assert not np.array_equal(runs._test_images("mnist", 300, 0), first[:300])  # drawn across the whole set


@pytest.mark.bad_input
def test_bad_arguments_are_refused_with_the_fix(trained, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"output must end in \.png .* or \.npy"):
        runs.sample(trained / "generator.keras", tmp_path / "grid.jpg")
    with pytest.raises(ValueError, match="family must be one of"):
        runs.build("stylegan", (28, 28, 1), 8, 0)
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["localhost:1", "localhost:2"]},
                                                "task": {"type": "worker", "index": 5}}))
    with pytest.raises(ValueError, match=r"TF_CONFIG names 2 workers but its task is .*index.*from 0 to 1"):
        runs.strategy_from_environment()


def test_a_killed_run_resumes_at_the_epoch_it_lost(tmp_path, capsys):
    folder = tmp_path / "killed"
    options = ["train", "--output", str(folder), *TINY[:1], "3", *TINY[2:]]
    args = command(*options)
    job = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment())
    seen = []
    for line in job.stdout:  # kill it as soon as the second epoch starts: the first is then backed up
        seen.append(line)
        if line.startswith("Epoch 2/3"):
            job.send_signal(signal.SIGKILL)
            break
    job.wait(timeout=120)
    assert job.returncode == -signal.SIGKILL, "".join(seen)[-3000:]
    assert (folder / "backup").exists() and [row["epoch"] for row in history(folder)] == ["0"]

    # The same command run again, here (a new run reads only the backup on disk; a second subprocess would
    # only add TensorFlow's start-up).
    capsys.readouterr()
    assert cli.main(options) == 0
    again = capsys.readouterr().out
    assert "resuming from the last finished epoch" in again
    assert "Epoch 1/3" not in again and "Epoch 2/3" in again  # the first epoch is not trained again
    assert [row["epoch"] for row in history(folder)] == ["0", "1", "2"]
    assert (folder / "generator.keras").exists()
