"""Does GAN-made data help when labels are scarce? Test accuracy of one small classifier (notebook 06).

MNIST and Fashion-MNIST with 10 and 100 labels per class, each with several seeds (the seed
fixes the labelled split, the initial weights and the batches), and four methods:
(a) the labelled images alone, (b) with classic augmentation, (c) (b) plus samples of a
conditional GAN trained on the labelled images, (d) the semi-supervised GAN of Salimans et al.
(2016). Methods are defined in ``ganlab/scarce_labels.py``; budgets are ``Budget``'s defaults
unless given. Results go to ``ganlab/experiments/results/scarce_labels/`` (``result.json``, ``rows.csv``,
``table.md``); the table is printed as markdown with mean ± standard error over seeds.

Run in pieces with ``--append`` (only runs missing from ``result.json`` are made), for example::

    nice -n 19 python benchmarks/scarce_labels.py --datasets mnist --labels 10 --methods sgan --seeds 3 --append
    python benchmarks/scarce_labels.py --table-only
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import sys
from pathlib import Path

from ganlab.experiments import scarce_labels

DATASETS = ("mnist", "fashion_mnist")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--labels", nargs="+", type=int, default=[10, 100], help="labels per class")
    parser.add_argument("--methods", nargs="+", default=list(scarce_labels.METHODS), choices=scarce_labels.METHODS)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. SEEDS-1")
    defaults = scarce_labels.Budget()
    for field in dataclasses.fields(scarce_labels.Budget):
        if field.name != "sgan_hidden_units":
            parser.add_argument(f"--{field.name.replace('_', '-')}", type=type(getattr(defaults, field.name)),
                                default=getattr(defaults, field.name))
    parser.add_argument("--out", type=Path, default=scarce_labels.RESULTS)
    parser.add_argument("--append", action="store_true", help="keep the stored runs and make only missing ones")
    parser.add_argument("--table-only", action="store_true", help="print the stored table and stop")
    parser.add_argument("--merge", nargs="+", type=Path, default=[],
                        help="result folders of runs made in parallel (same budget) to merge into --out, then stop")
    args = parser.parse_args()
    budget = scarce_labels.Budget(**{f.name: getattr(args, f.name) for f in dataclasses.fields(scarce_labels.Budget)
                                     if f.name != "sgan_hidden_units"})
    result = args.out / "result.json"
    saved = json.loads(result.read_text()) if result.exists() else None
    if args.merge:
        rows = saved["rows"] if saved else []
        for folder in args.merge:
            other = json.loads((folder / "result.json").read_text())
            if other["budget"] != _jsonable(budget):
                sys.exit(f"{folder} used another budget ({other['budget']}): not merged.")
            keys = {(r["dataset"], r["labels_per_class"], r["method"], r["seed"]) for r in rows}
            rows += [r for r in other["rows"] if (r["dataset"], r["labels_per_class"], r["method"], r["seed"])
                     not in keys]
        _save(args.out, rows, budget)
        print(scarce_labels.table(rows))
        return
    if args.table_only:
        if saved is None:
            sys.exit(f"no stored results in {result}")
        print(scarce_labels.table(saved["rows"]))
        return
    rows = []
    if args.append and saved is not None:
        if saved["budget"] != _jsonable(budget):
            sys.exit(f"the stored runs used another budget ({saved['budget']}); appending would mix two experiments. "
                     "Run without --append (overwrites) or with the same budget options.")
        rows = saved["rows"]
    done = {(r["dataset"], r["labels_per_class"], r["method"], r["seed"]) for r in rows}
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.datasets:
        for n in args.labels:
            for seed in range(args.seeds):
                split = None
                for method in args.methods:
                    if (name, n, method, seed) in done:
                        continue
                    split = split or scarce_labels.load(name, n, seed)
                    row = scarce_labels.run(name, n, method, seed, budget, split)
                    print(f"{name} n={n} {method:9s} seed {seed}: test accuracy {100 * row['test_accuracy']:.2f}% "
                          f"({row['cpu_seconds']:.0f} CPU s, {row['wall_seconds']:.0f} s)", flush=True)
                    rows.append(row)
                    _save(args.out, rows, budget)
    _save(args.out, rows, budget)
    print(scarce_labels.table(rows))


def _jsonable(budget) -> dict:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in dataclasses.asdict(budget).items()}


def _save(folder: Path, rows: list, budget) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.json").write_text(json.dumps({"machine": scarce_labels.machine(), "budget": _jsonable(budget),
                                                    "rows": rows}, indent=1))
    if rows:
        with open(folder / "rows.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        (folder / "table.md").write_text(scarce_labels.table(rows) + f"\n\nMachine: {scarce_labels.machine()}\n")


if __name__ == "__main__":
    main()
