"""Sensitivity of the MNIST DCGAN to its settings and its seed (notebook 05).

One factor at a time around the DCGAN's base point (Adam 2e-4 for both networks, beta_1 0.5,
batch 64, k = 1, width 32, no weight average), plus a 3 x 3 grid of the two learning rates:

* learning rates: generator and discriminator each in {1e-4, 2e-4, 8e-4}, all nine pairs;
* beta_1 in {0.0, 0.5, 0.9}; batch size in {32, 64, 128}; k (discriminator steps) in {1, 2}.

Every point trains for the same number of generator steps from each of ``--seeds`` seeds, then
``ganlab.experiments.sweep.run`` measures 2,000 samples: the Fréchet distance against the 10,000 test images'
statistics and precision, recall, density and coverage (k = 5) against 2,000 test images.
Rows are written after every run, so an interrupted sweep keeps what it finished:

    python benchmarks/sweep.py                        # 14 points x 2 seeds x 600 steps: about 35 min on 2 cores
    python benchmarks/sweep.py --steps 100 --seeds 1 --out /tmp/sweep   # a smoke run

Results: ``ganlab/experiments/results/sweep/result.json`` (rows and machine), ``samples.npz`` (16 samples per row,
uint8, for the notebook's interactive view) and ``table.txt``.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time
from pathlib import Path

import ganlab  # noqa: F401 - before TensorFlow starts: it asks for oneDNN's CPU kernels, as in the notebooks

import tensorflow as tf

from ganlab.experiments import sweep

BASE = sweep.Settings(generator_lr=2e-4, discriminator_lr=2e-4, beta_1=0.5, batch_size=64, discriminator_steps=1,
                      width=32)
RATES = (1e-4, 2e-4, 8e-4)


def design(base: sweep.Settings = BASE) -> list[sweep.Settings]:
    """The learning-rate grid first, then one factor at a time around ``base`` (each point once)."""
    points = [dataclasses.replace(base, generator_lr=g, discriminator_lr=d) for d in RATES for g in RATES]
    points += [dataclasses.replace(base, beta_1=b) for b in (0.0, 0.9)]
    points += [dataclasses.replace(base, batch_size=b) for b in (32, 128)]
    points += [dataclasses.replace(base, discriminator_steps=2)]
    return list(dict.fromkeys(points))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=600, help="generator steps per run (default 600)")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per point (default 2)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "sweep")
    args = parser.parse_args(argv)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, TensorFlow {tf.__version__}"
    points = design()
    print(f"machine: {machine}; {len(points)} points x {args.seeds} seeds x {args.steps} steps", flush=True)
    rows, start = [], time.perf_counter()
    for point in points:
        for seed in range(args.seeds):
            row = sweep.run(point, seed=seed, steps=args.steps)
            rows.append(row)
            sweep.save(rows, args.out, machine)
            print(f"[{time.perf_counter() - start:6.0f} s] {point.label()}, seed {seed}: FD {row['fd']:.1f}, "
                  f"precision {row['precision']:.3f}, recall {row['recall']:.3f}, CPU {row['cpu_seconds']:.0f} s",
                  flush=True)
    table = sweep.table(rows)
    (args.out / "table.txt").write_text(f"machine: {machine}\n{len(points)} points x {args.seeds} seeds x "
                                        f"{args.steps} generator steps\n\n{table}\n")
    print(table)


if __name__ == "__main__":
    main()
