"""Two workers on loopback (MultiWorkerMirroredStrategy from TF_CONFIG) train one model with `ganlab train`."""
import json
import socket
import subprocess
import time

import keras
import numpy as np
from cli_helpers import command, environment

from ganlab.course import runs


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def generator_weights(path):
    """The trained weights. Batch norm's moving statistics are left out: each replica keeps its own, from its
    own part of the batch, as in any MirroredStrategy without synchronised batch norm."""
    from ganlab.training import load_generator

    return [w.numpy() for w in load_generator(path).weights if "moving_" not in w.path]


def test_two_workers_on_loopback_train_together_and_match_one_process_with_two_replicas(tmp_path):
    """Two processes under MultiWorkerMirroredStrategy (TF_CONFIG) equal one process mirrored over two CPU devices:
    the same global batches split the same way, the same noise per replica, gradients summed over replicas."""
    args = ["--epochs", "1", "--limit", "192", "--batch-size", "32", "--width", "8", "--fd-samples", "200"]
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    jobs = []
    for index in range(2):
        config = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
        jobs.append(subprocess.Popen(command("train", "--output", str(tmp_path / "multi"), *args),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=environment(TF_CONFIG=config)))
    outputs = []
    deadline = time.monotonic() + 600
    for job in jobs:
        out, _ = job.communicate(timeout=max(deadline - time.monotonic(), 1))
        outputs.append(out)
        assert job.returncode == 0, out[-4000:]
    assert "worker 0 of 2: 2 replicas in sync" in outputs[0]
    assert "worker 1 of 2: 2 replicas in sync" in outputs[1]
    assert (tmp_path / "multi" / "generator.keras").exists()  # the chief's
    assert (tmp_path / "multi" / ".worker1" / "generator.keras").exists()  # the other worker's own copy

    single = subprocess.run(command("train", "--output", str(tmp_path / "single"), "--cpu-replicas", "2", *args),
                            capture_output=True, text=True, env=environment(), timeout=600)
    assert single.returncode == 0, single.stdout[-3000:] + single.stderr[-3000:]
    assert "worker 0 of 1: 2 replicas in sync" in single.stdout
    chief = generator_weights(tmp_path / "multi" / "generator.keras")
    other = generator_weights(tmp_path / "multi" / ".worker1" / "generator.keras")
    mirrored = generator_weights(tmp_path / "single" / "generator.keras")
    keras.utils.set_random_seed(0)  # as runs.train does before building
    initial = [w.numpy() for w in runs.build("dcgan", (28, 28, 1), 8, 0).sampling_generator.weights
               if "moving_" not in w.path]
    assert len(chief) == len(other) == len(mirrored) == len(initial) >= 4
    for a, b, c in zip(chief, other, mirrored):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)  # both workers hold the same model
        np.testing.assert_allclose(a, c, rtol=1e-3, atol=1e-5)  # and it is the two-replica model of one process
    assert max(float(np.abs(a - i).max()) for a, i in zip(chief, initial)) > 3e-4  # training moved it (Adam: about 2e-4 a step)
