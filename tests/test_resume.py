"""Training survives SIGKILL: a killed run restarted from its checkpoint ends with the same weights."""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

JOB = Path(__file__).with_name("resume_job.py")
EPOCHS = 6


def run(workdir, *extra):
    return subprocess.Popen([sys.executable, str(JOB), str(workdir), str(EPOCHS), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish(process):
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]


def epochs_started(workdir):
    rows = [line.split() for line in (workdir / "epochs.log").read_text().splitlines()]
    return [(int(pid), int(epoch)) for pid, epoch in rows]


@pytest.mark.parametrize("options", [[], ["--ema"]], ids=["plain", "ema"])
def test_killed_run_resumes_to_identical_weights(tmp_path, options):
    """Also with the generator's moving average (--ema): it is part of the checkpoint and of final.npz.

    The uninterrupted run to compare with is trained, from the same seed and start to end, by the restarted
    process before it resumes (``--uninterrupted-first``): one TensorFlow start-up fewer than a process of its own."""
    first = run(tmp_path, "--backup", *options)
    metadata = tmp_path / "backup" / "training_metadata.json"
    deadline = time.time() + 240
    # Kill once a checkpoint from the end of epoch 2 exists and epoch 3 has begun.
    while time.time() < deadline:
        if metadata.exists() and json.loads(metadata.read_text() or "{}").get("epoch", 0) >= 2 \
                and (tmp_path / "epochs.log").exists() and epochs_started(tmp_path)[-1][1] >= 2:
            break
        assert first.poll() is None, first.stderr.read()[-3000:]
        time.sleep(0.05)
    else:
        pytest.fail("the training job never wrote its checkpoint")
    time.sleep(0.2)  # well into the epoch
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    assert not (tmp_path / "final.npz").exists()
    killed_at = epochs_started(tmp_path)[-1][1]

    reference = tmp_path / "uninterrupted"
    finish(run(tmp_path, "--backup", *options, "--uninterrupted-first", str(reference)))
    assert epochs_started(reference) == [(epochs_started(reference)[0][0], epoch) for epoch in range(EPOCHS)]
    uninterrupted = np.load(reference / "final.npz")
    rows = epochs_started(tmp_path)
    pids = list(dict.fromkeys(pid for pid, _ in rows))
    resumed_epochs = [epoch for pid, epoch in rows if pid == pids[1]]
    # The restart begins with the epoch that was cut short: at most one checkpoint interval repeats.
    assert resumed_epochs[0] == killed_at
    assert resumed_epochs == list(range(killed_at, EPOCHS))

    resumed = np.load(tmp_path / "final.npz")
    assert len(resumed.files) == len(uninterrupted.files)
    for name in uninterrupted.files:  # every weight, both optimizers' state and a fixed-noise sample
        np.testing.assert_array_equal(resumed[name], uninterrupted[name])
