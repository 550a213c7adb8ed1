"""How far is the semi-supervised GAN from the paper's accuracy, and how fast does it get there?

One long run of ``ganlab.experiments.scarce_labels.train_sgan`` (MNIST, 10 labels per class, seed 0, the benchmark's budget
except the number of steps), its test accuracy measured every ``--every`` steps, saved as it goes to
``ganlab/experiments/results/scarce_labels/sgan_long.json`` with the CPU seconds spent. Salimans et al. (2016) train for
300 epochs of 600 updates (180,000 updates); the benchmark's budget is 3,000.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import keras

from ganlab.experiments import scarce_labels


class Measure(keras.callbacks.Callback):
    def __init__(self, split, every, path, clock, meta):
        super().__init__()
        self.split, self.every, self.path, self.clock, self.meta, self.points = split, every, path, clock, meta, []

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.step_counter.numpy())
        if step % self.every == 0:
            cpu = time.process_time() - self.clock
            accuracy = self.model.accuracy(self.split["test_images"], self.split["test_labels"])
            self.points.append({"steps": step, "test_accuracy": accuracy, "cpu_seconds": cpu})
            print(f"step {step}: test accuracy {100 * accuracy:.2f}% ({cpu:.0f} CPU s)", flush=True)
            self.path.write_text(json.dumps({**self.meta, "points": self.points}, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--labels", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=scarce_labels.RESULTS / "sgan_long.json")
    args = parser.parse_args()
    budget = dataclasses.replace(scarce_labels.Budget(), sgan_steps=args.steps)
    split = scarce_labels.load(args.dataset, args.labels, args.seed)
    meta = {"machine": scarce_labels.machine(), "dataset": args.dataset, "labels_per_class": args.labels,
            "seed": args.seed, "budget": {k: list(v) if isinstance(v, tuple) else v
                                          for k, v in dataclasses.asdict(budget).items()}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    scarce_labels.train_sgan(split, budget, args.seed,
                             callbacks=[Measure(split, args.every, args.out, time.process_time(), meta)])


if __name__ == "__main__":
    main()
