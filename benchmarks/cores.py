"""Both cores at work? CPU-seconds per wall-second while ``recipes.fast_dcgan`` trains on MNIST.

On a machine with C cores, a training loop that keeps every core busy uses C CPU-seconds per
wall-second. Each setting below trains the recipe (batches of 64, the shipped pipeline) in a
fresh process, since TensorFlow fixes its thread pools when it starts: a warm-up of 60 steps
(tracing excluded), then ``--steps`` timed steps. Reported per setting: CPU-seconds per
wall-second (the process's user and system time over the wall clock) and images per
wall-second, the median over ``--rounds`` rounds. Settings are interleaved round by round
(A, B, C, A, B, C, ...), so that a drift in the machine's speed hits all alike.

* ``default``: what the notebooks run (``ganlab.device.setup()`` and ``fast_dcgan()``; on x86-64,
  ``import ganlab`` turns on TensorFlow's oneDNN kernels);
* ``onednn_off``: the same with ``TF_ENABLE_ONEDNN_OPTS=0``, TensorFlow's own choice on CPUs without
  AVX-512 VNNI (on those with it, TensorFlow's default is on, and this setting turns it off);
* ``steps_per_execution``: Keras runs ``--spe`` steps per call of the compiled function,
  which removes Python's work between steps (the same updates, up to float rounding);
* ``inter_op_1``: one inter-op thread, so that independent ops run one after another and
  each op's own threads (intra-op) have both cores.

    python benchmarks/cores.py --steps 600 --rounds 3
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

SETTINGS = ("default", "onednn_off", "steps_per_execution", "inter_op_1")
RESULT = Path(__file__).parent / "results" / "cores.json"


def measure(setting: str, steps: int, spe: int) -> dict:
    """Train in this process under ``setting``; return CPU-seconds per wall-second and images per second."""
    if setting == "onednn_off":
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # read when TensorFlow starts: before the imports below
    import ganlab  # first, as in the notebooks: it starts TensorFlow
    import tensorflow as tf

    if setting == "inter_op_1":
        tf.config.threading.set_inter_op_parallelism_threads(1)
    from ganlab import data
    from ganlab.experiments import recipes

    ganlab.device.setup()
    ganlab.seed(0)
    gan = recipes.fast_dcgan()
    if setting == "steps_per_execution":
        # the recipe's own optimizers (not yet used), compiled again with several steps per call
        gan.compile(gan.generator_optimizer, gan.discriminator_optimizer, steps_per_execution=spe)
    mnist = data.mnist(batch_size=64)
    gan.fit(mnist, epochs=1, steps_per_epoch=60, verbose=0)  # tracing and the first steps
    wall, cpu = time.perf_counter(), time.process_time()
    gan.fit(mnist, epochs=2, initial_epoch=1, steps_per_epoch=steps, verbose=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return dict(setting=setting, onednn=ganlab.device.onednn(), cpu_per_wall=round(cpu / wall, 3),
                images_per_second=round(64 * steps / wall, 1), images_per_cpu_second=round(64 * steps / cpu, 1))


def vector_instructions() -> str:
    """The CPU's widest vector instructions that TensorFlow's kernels use (from /proc/cpuinfo; Linux only)."""
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        return "unknown"
    present = [name for name in ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16") if name in flags.split()]
    return " ".join(present) or "none of AVX2, FMA, AVX-512"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="timed training steps per run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of all settings")
    parser.add_argument("--spe", type=int, default=8, help="steps per execution for that setting")
    parser.add_argument("--one", choices=SETTINGS, help=argparse.SUPPRESS)  # a single run, in a child process
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.steps, args.spe)))
        return
    runs = []
    for round_ in range(args.rounds):
        for setting in SETTINGS:
            child = subprocess.run([sys.executable, __file__, "--one", setting, "--steps", str(args.steps),
                                    "--spe", str(args.spe)], capture_output=True, text=True, check=True,
                                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
            run = json.loads(child.stdout.strip().splitlines()[-1]) | {"round": round_}
            print(json.dumps(run), flush=True)
            runs.append(run)
    summary = {}
    for setting in SETTINGS:
        mine = [r for r in runs if r["setting"] == setting]
        summary[setting] = {key: statistics.median(r[key] for r in mine)
                            for key in ("cpu_per_wall", "images_per_second", "images_per_cpu_second")}
        print(f"{setting:>20}: {summary[setting]['cpu_per_wall']:.2f} CPU-s per wall-s, "
              f"{summary[setting]['images_per_second']:.0f} images/s, "
              f"{summary[setting]['images_per_cpu_second']:.0f} images per CPU-s (median of {len(mine)})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {vector_instructions()}"
    args.out.write_text(json.dumps({"machine": machine, "steps": args.steps, "steps_per_execution": args.spe,
                                    "summary": summary, "runs": runs}, indent=1) + "\n")


if __name__ == "__main__":
    main()
