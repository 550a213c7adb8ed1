"""How far is the semi-supervised GAN from the paper's accuracy, and what gets it there?

Long runs of ``ganlab.experiments.scarce_labels.train_sgan`` (MNIST, 10 labels per class), test accuracy measured
every ``--every`` updates, saved as the run goes to ``ganlab/experiments/results/scarce_labels/sgan_long/``
(package data, so notebook 06 draws the curves after ``pip install`` too) with the training CPU seconds spent
(measurement excluded). With ``--average`` the accuracy is measured twice at each point: with D's trained weights
and with their moving average (Keras' optimizer EMA, swapped in for the measurement and back out).
Salimans et al. (2016) train for 300 epochs of 600 updates (180,000 updates); the notebook's benchmark does 3,000.

The defaults are the long-run recipe: 45,000 updates, Adam 1e-3 held for the first half and then lowered to 0, D's
weights averaged (0.999), and weight normalisation on the generator's output layer (``--no-generator-weight-norm``
leaves it out, as the runs named ``no_g_weight_norm`` did).

    python benchmarks/scarce_labels_long_sgan.py --seed 0        # the recipe, seed 0 (stored as recipe_seed0.json)
    python benchmarks/scarce_labels_long_sgan.py --name no_g_weight_norm --no-generator-weight-norm --seed 0
    python benchmarks/scarce_labels_long_sgan.py --table
    python benchmarks/scarce_labels_long_sgan.py --table --out benchmarks/results/sgan_probe   # the probes
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import ganlab  # noqa: F401 - before TensorFlow starts: it asks for oneDNN's CPU kernels, as in the notebooks

import keras
import numpy as np

from ganlab.experiments import scarce_labels

OUT = scarce_labels.RESULTS / "sgan_long"


class Measure(keras.callbacks.Callback):
    """Every ``every`` updates: test accuracy with D's weights (and their average), and the training CPU time."""

    def __init__(self, split, every, path, meta, cpu_budget=None):
        super().__init__()
        self.split, self.every, self.path, self.meta, self.points = split, every, path, meta, []
        self.cpu_budget = cpu_budget
        self.training_cpu, self.since = 0.0, None

    def on_train_begin(self, logs=None):
        self.since = time.process_time()

    def accuracy(self):
        return self.model.accuracy(self.split["test_images"], self.split["test_labels"])

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.step_counter.numpy())
        out_of_budget = (self.cpu_budget is not None
                         and self.training_cpu + time.process_time() - self.since >= self.cpu_budget)
        if out_of_budget:
            self.model.stop_training = True  # measured once more below, then training ends
        elif step % self.every:
            return
        self.training_cpu += time.process_time() - self.since
        point = {"steps": step, "cpu_seconds": round(self.training_cpu, 1), "test_accuracy": self.accuracy()}
        optimizer = self.model.discriminator_optimizer
        if optimizer.use_ema:
            variables = self.model.discriminator.trainable_variables
            trained = [np.array(v.numpy()) for v in variables]
            optimizer.finalize_variable_values(variables)
            point["averaged_accuracy"] = self.accuracy()
            for variable, value in zip(variables, trained):
                variable.assign(value)
        self.points.append(point)
        print(json.dumps(point), flush=True)
        self.path.write_text(json.dumps({**self.meta, "points": self.points}, indent=1))
        self.since = time.process_time()


def table(folder: Path = OUT) -> None:
    runs = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    print("| run | seed | updates | CPU-min | accuracy, trained weights | accuracy, averaged weights | best along the run |")
    print("|---|---|---|---|---|---|---|")
    for run in runs:
        last = run["points"][-1]
        best = max(max(p["test_accuracy"], p.get("averaged_accuracy", 0.0)) for p in run["points"])
        averaged = f"{100 * last['averaged_accuracy']:.2f}" if "averaged_accuracy" in last else "-"
        print(f"| {run['name']} | {run['seed']} | {last['steps']:,} | {last['cpu_seconds'] / 60:.1f} | "
              f"{100 * last['test_accuracy']:.2f} | {averaged} | {100 * best:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default="recipe", help="the run's name in the table and in its file name")
    parser.add_argument("--steps", type=int, default=45000)
    parser.add_argument("--every", type=int, default=2500)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--schedule", default="hold_then_decay", choices=("constant", "hold_then_decay"))
    parser.add_argument("--average", type=float, default=0.999, help="momentum of D's weight average; 0 for none")
    parser.add_argument("--hidden", type=int, nargs="+", default=[500, 250, 250],
                        help="D's hidden layers; the authors' MNIST model has 1000 500 250 250 250")
    parser.add_argument("--generator-weight-norm", action=argparse.BooleanOptionalAction, default=True,
                        help="weight normalisation on the generator's output layer, as in the authors' code")
    parser.add_argument("--cpu-budget", type=float, help="stop once training has taken this many CPU seconds")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--labels", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT,
                        help="folder of the run's file (default: the package's, which notebook 06 draws; probes go "
                             "to benchmarks/results/sgan_probe)")
    parser.add_argument("--table", action="store_true", help="print the table of the stored runs and stop")
    args = parser.parse_args()
    if args.table:
        return table(args.out)
    budget = dataclasses.replace(scarce_labels.Budget(), sgan_steps=args.steps, sgan_learning_rate=args.learning_rate,
                                 sgan_schedule=args.schedule, sgan_average=args.average,
                                 sgan_hidden_units=tuple(args.hidden))
    split = scarce_labels.load(args.dataset, args.labels, args.seed)
    meta = {"name": args.name, "machine": scarce_labels.machine(), "dataset": args.dataset,
            "labels_per_class": args.labels, "seed": args.seed,
            "budget": {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(budget).items()}}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{args.name}_seed{args.seed}.json"
    meta["cpu_budget"] = args.cpu_budget
    meta["generator_weight_norm"] = args.generator_weight_norm
    gan = scarce_labels.train_sgan(split, budget, args.seed, generator_weight_norm=args.generator_weight_norm,
                                   callbacks=[Measure(split, args.every, path, meta, args.cpu_budget)])
    print(f"final: {100 * gan.accuracy(split['test_images'], split['test_labels']):.2f}%")


if __name__ == "__main__":
    main()
