"""Mode coverage on the 8-Gaussian ring and the 25-Gaussian grid, counted as VEEGAN and PacGAN count it.

Every method trains the same generator (four hidden layers of 400 units with batch
norm, 2-D noise, as in PacGAN's toy experiments) against a discriminator of three
hidden layers of 200 units, with batches of 100 samples per discriminator update,
for the same number of generator steps; then 2,500 samples are drawn and scored
with ``ganlab.metrics.mode_coverage``: modes captured, the fraction of high-quality
samples (within 3 standard deviations of a centre) and the reverse KL of the mode
histogram against uniform. Mean and standard error over the seeds are printed
beside the published rows of PacGAN (Lin et al., 2018, table 1) and VEEGAN
(Srivastava et al., 2017, table 1), and written to ``benchmarks/results/mode_coverage``.

    python benchmarks/mode_coverage.py                                  # every method, both datasets, 5 seeds
    python benchmarks/mode_coverage.py --methods gan pacgan4 --seeds 1 --steps 2000   # a short run
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import ganlab
from ganlab import data, metrics, models
from ganlab.training import GAN, WGAN, UnrolledGAN

BATCH = 100
DATASETS = {"ring": data.ring, "grid": data.grid}

# Published means (modes, high-quality %, reverse KL), transcribed from the papers' tables, which their
# authors' repositories publish as images (fjxmlzn/PacGAN: synthetic_data_experiments/results/Table1.png;
# akashgit/VEEGAN: tab.png). None: no number in that paper, or not transcribed with confidence.
# PacGAN: 10 runs each, generator trained 400 epochs of 100k samples; VEEGAN: 5 runs each.
PUBLISHED = {
    "ring": {
        "GAN (PacGAN)": (6.3, 98.2, 0.45), "PacGAN2": (7.9, 95.6, 0.07), "PacGAN3": (7.8, 97.7, None),
        "PacGAN4": (7.8, 95.9, None),
        "GAN (VEEGAN)": (1.0, 99.3, None), "ALI": (2.8, 0.13, None), "Unrolled GAN": (7.6, 35.6, None),
        "VEEGAN": (8.0, 52.9, None),
    },
    "grid": {
        "GAN (PacGAN)": (17.3, 94.8, 0.70), "PacGAN2": (23.8, 91.3, 0.13), "PacGAN3": (24.6, 94.2, 0.06),
        "PacGAN4": (24.8, 93.6, 0.04),
        "GAN (VEEGAN)": (3.3, 0.5, None), "ALI": (15.8, 1.6, None), "Unrolled GAN": (23.6, 16.0, None),
        "VEEGAN": (24.6, 40.0, None),
    },
}


def generator():
    return models.mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(400,) * 4, output_activation=None)


def discriminator(input_dim=2, **kwargs):
    return models.mlp_discriminator(input_shape=(input_dim,), hidden_units=(200,) * 3, dropout=0, **kwargs)


def adam():
    return keras.optimizers.Adam(1e-4, beta_1=0.5)


def build(method):
    """The GAN for ``method`` and its number of discriminator updates per generator update."""
    if method == "gan":
        return GAN(generator(), discriminator()), 1
    if method.startswith("pacgan"):
        pack = int(method[len("pacgan"):])
        return GAN(generator(), models.packed(discriminator(2 * pack), pack)), 1
    if method == "minibatch_std":
        return GAN(generator(), discriminator(minibatch_std=True)), 1
    if method == "unrolled5":
        return UnrolledGAN(generator(), discriminator(), unroll_steps=5), 1
    if method == "wgan_gp":
        return WGAN(generator(), discriminator(), constraint="gradient_penalty", critic_steps=5), 5
    raise ValueError(f"unknown method {method!r}; choose from {METHODS}.")


METHODS = ["gan", "pacgan2", "pacgan4", "minibatch_std", "unrolled5", "wgan_gp"]


def run(method, dataset, seed, steps, samples=2500):
    ganlab.seed(seed)
    mixture = DATASETS[dataset]()
    gan, k = build(method)
    if isinstance(gan, WGAN):
        gan.compile()  # the WGAN-GP paper's Adam(1e-4, beta (0, 0.9))
    else:
        gan.compile(adam(), adam())
    pipeline = mixture.dataset(batch_size=BATCH * k, n_samples=BATCH * k * min(steps, 500), seed=seed)
    batches = min(steps, 500)
    start, cpu = time.perf_counter(), time.process_time()
    gan.fit(pipeline, epochs=max(1, round(steps / batches)), verbose=0)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    coverage = metrics.mode_coverage(gan.sample(samples, seed=10_000 + seed), mixture)
    return {"method": method, "dataset": dataset, "seed": seed, "modes": coverage.modes,
            "high_quality": coverage.high_quality, "kl": coverage.kl, "seconds": seconds,
            "cpu_seconds": cpu_seconds, "histogram": coverage.histogram.tolist()}


def summarise(rows):
    table = {}
    for row in rows:
        table.setdefault((row["dataset"], row["method"]), []).append(row)
    lines = []
    for dataset in DATASETS:
        n_modes = DATASETS[dataset]().n_modes
        lines.append(f"\n{dataset} ({n_modes} modes)      modes            high quality %     reverse KL        "
                     "seconds per run")
        for (name, method), runs in table.items():
            if name != dataset:
                continue
            cells = []
            for key, scale in (("modes", 1), ("high_quality", 100), ("kl", 1)):
                values = np.array([r[key] for r in runs], dtype=float) * scale
                if len(values) > 1:  # a standard error needs two seeds at least
                    cells.append(f"{values.mean():6.2f} ± {values.std(ddof=1) / np.sqrt(len(values)):5.2f}")
                else:
                    cells.append(f"{values.mean():6.2f}        ")
            seconds = np.mean([r["seconds"] for r in runs])
            lines.append(f"  ganlab {method:14s} {cells[0]:>16s} {cells[1]:>18s} {cells[2]:>16s} "
                         f"{seconds:8.0f}  ({len(runs)} seeds)")
        for method, (modes, quality, kl) in PUBLISHED[dataset].items():
            fmt = lambda v, f: "—" if v is None else format(v, f)
            lines.append(f"  paper  {method:14s} {fmt(modes, '6.1f'):>16s} {fmt(quality, '6.1f'):>18s} "
                         f"{fmt(kl, '6.2f'):>16s}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10_000, help="generator steps per run")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/mode_coverage"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, TensorFlow {tf.__version__}"
    print(f"machine: {machine}; {args.steps} generator steps per run, batch {BATCH}", flush=True)
    rows = []
    for dataset in args.datasets:
        for method in args.methods:
            for seed in range(args.seeds):
                row = run(method, dataset, seed, args.steps)
                rows.append(row)
                print(f"{dataset:5s} {method:14s} seed {seed}: {row['modes']:2d} modes, "
                      f"{row['high_quality']:.1%} high quality, KL {row['kl']:.3f}, {row['seconds']:.0f} s",
                      flush=True)
    table = summarise(rows)
    print(table)
    (args.out / "result.json").write_text(json.dumps({"machine": machine, "steps": args.steps, "rows": rows},
                                                     indent=1))
    (args.out / "table.txt").write_text(f"machine: {machine}; {args.steps} generator steps per run\n{table}\n")


if __name__ == "__main__":
    main()
