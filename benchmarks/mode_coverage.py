"""Mode coverage on the 8-Gaussian ring and the 25-Gaussian grid, counted as VEEGAN and PacGAN count it.

Every method of ``ganlab.experiments.collapse`` trains with the same recipe (``collapse.Recipe``: the
same networks, optimiser, batch and number of generator steps); then 2,500 samples are
drawn and scored with ``ganlab.metrics.mode_coverage``: modes captured, the fraction of high-quality
samples (within 3 standard deviations of a centre) and the reverse KL of the mode
histogram against uniform. Mean and standard error over the seeds are printed
beside the published rows of PacGAN (Lin et al., 2018, table 1) and VEEGAN
(Srivastava et al., 2017, table 1), and written to ``benchmarks/results/mode_coverage``.

    python benchmarks/mode_coverage.py                                  # every method, both datasets, 5 seeds
    python benchmarks/mode_coverage.py --methods gan pacgan4 --seeds 1 --steps 2000   # a short run
    python benchmarks/mode_coverage.py --methods r1_drs --steps 32000 --append       # the goal's runs

A run of ``r1_drs`` also records an ``r1`` row: the same GAN's samples before rejection.
Rows carry their number of steps, so runs of several lengths share one result file.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
from pathlib import Path

import ganlab  # noqa: F401 - before TensorFlow starts: it asks for oneDNN's CPU kernels, as in the notebooks

import tensorflow as tf

from ganlab.experiments import collapse
from ganlab import data

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



def published_table(dataset) -> str:
    fmt = lambda v, f: "—" if v is None else format(v, f)
    return "\n".join(f"{'paper':24s} {method:14s} {fmt(modes, '.1f'):>15s} {fmt(quality, '.1f'):>17s} "
                     f"{fmt(kl, '.2f'):>15s}" for method, (modes, quality, kl) in PUBLISHED[dataset].items())


def summarise(rows) -> str:
    parts = []
    for dataset in DATASETS:
        ours = [r for r in rows if r["dataset"] == dataset]
        if ours:
            parts.append(collapse.table(ours) + "\n" + published_table(dataset))
    return "\n\n".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", nargs="+", default=list(collapse.METHODS), choices=collapse.METHODS)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--slow-seeds", type=int, default=None,
                        help="seeds for unrolled5 and wgan_gp, which cost 3-5x more per step (default: --seeds)")
    parser.add_argument("--steps", type=int, default=collapse.Recipe.steps, help="generator steps per run")
    parser.add_argument("--refit-steps", type=int, default=collapse.Recipe.refit_steps,
                        help="discriminator refit steps before rejection sampling (r1_drs)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/mode_coverage"))
    parser.add_argument("--table-only", action="store_true", help="print the table of an earlier run's result.json")
    parser.add_argument("--append", action="store_true",
                        help="keep the runs in an earlier result.json (same recipe) and run only the missing seeds")
    args = parser.parse_args()
    if args.table_only:
        saved = json.loads((args.out / "result.json").read_text())
        print(f"machine: {saved['machine']}\nrecipe: {saved['recipe']}\n\n{summarise(saved['rows'])}")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    recipe = collapse.Recipe(steps=args.steps, refit_steps=args.refit_steps)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, TensorFlow {tf.__version__}"
    print(f"machine: {machine}; recipe {recipe}", flush=True)
    rows = []
    if args.append and (args.out / "result.json").exists():
        saved = json.loads((args.out / "result.json").read_text())
        # rows carry their steps; refit_steps only concerns r1_drs
        shared = lambda r: {k: v for k, v in r.items() if k not in ("steps", "refit_steps")}
        if shared(saved["recipe"]) != shared(json.loads(json.dumps(dataclasses.asdict(recipe)))):
            parser.error(f"--append: {args.out / 'result.json'} was made with another recipe ({saved['recipe']}).")
        rows = [{"steps": saved["recipe"]["steps"], **row} for row in saved["rows"]]
    done = {(r["dataset"], r["method"], r["seed"], r["steps"]) for r in rows}
    slow_seeds = args.seeds if args.slow_seeds is None else args.slow_seeds
    # seeds outermost: an interrupted run still has every method on its first seeds (rows are saved as they come)
    for seed in range(max(args.seeds, slow_seeds)):
        for dataset in args.datasets:
            for method in args.methods:
                if seed >= (slow_seeds if method in ("unrolled5", "wgan_gp") else args.seeds) or \
                        (dataset, method, seed, recipe.steps) in done:
                    continue
                result = collapse.train(method, DATASETS[dataset](), seed, recipe, dataset=dataset)
                new = [result.row()]
                if result.before_rejection is not None and (dataset, "r1", seed, recipe.steps) not in done:
                    before = dataclasses.replace(result, method="r1", coverage=result.before_rejection,
                                                 seconds=result.training_seconds)
                    new.append({**before.row(), "cpu_seconds": None})  # not measured apart from the rejection
                for row in new:
                    rows.append(row)
                    cpu = f"{row['cpu_seconds']:.0f} CPU s" if row["cpu_seconds"] is not None else "same run"
                    print(f"{dataset:5s} {row['method']:14s} seed {seed}: {row['modes']:2d} modes, "
                          f"{row['high_quality']:.1%} high quality, KL {row['kl']:.3f}, {row['seconds']:.0f} s "
                          f"({cpu})", flush=True)
                (args.out / "result.json").write_text(json.dumps(
                    {"machine": machine, "recipe": dataclasses.asdict(recipe), "rows": rows}, indent=1))
    table = summarise(rows)
    print(table)
    (args.out / "table.txt").write_text(f"machine: {machine}\nrecipe: {recipe}\n\n{table}\n")


if __name__ == "__main__":
    main()
