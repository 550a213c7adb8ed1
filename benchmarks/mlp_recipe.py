"""Notebook 01's perceptron GAN on MNIST: the DCGAN paper's settings against ``recipes.fast_dcgan``'s.

Both train notebook 01's networks (``mlp_generator`` 64 -> 256 -> 512 -> 1024 -> 784, ``mlp_discriminator``
784 -> 512 -> 256 -> 1 with dropout 0.3) on the 60,000 training digits in batches of 64:

* ``paper``: ``GAN.compile()``, Adam 2e-4 with beta_1 0.5 for both networks (Radford et al., 2016);
* ``recipe``: ``recipes.fast_dcgan(generator, discriminator)``, the training settings that the DCGAN lever
  screen chose (generator 8e-4, discriminator 2e-4, samples from a moving average of the generator's weights).

After the listed epochs, 5,000 fixed-noise samples are scored against 5,000 test digits: the Fréchet distance
in the shipped classifier's features and the readable share. The process's CPU time of training (both cores,
measurement excluded) is recorded beside each point, so the two can be compared at equal CPU time.

    python benchmarks/mlp_recipe.py paper recipe --seeds 4 5 6 --epochs 15
    python benchmarks/mlp_recipe.py --table        # the stored result as the README's table
"""
from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import numpy as np

import ganlab
from ganlab import data, metrics, models
from ganlab.experiments import recipes
from ganlab.training import GAN

RESULT = Path(__file__).parent / "results" / "mlp_recipe" / "result.json"
CHECKPOINTS = (1, 5, 10, 12, 15, 20)
VARIANTS = ("paper", "recipe")


def build(variant: str, seed: int):
    ganlab.seed(seed)
    generator = models.mlp_generator(latent_dim=64, output_shape=(28, 28, 1), hidden_units=(256, 512, 1024))
    discriminator = models.mlp_discriminator(input_shape=(28, 28, 1), hidden_units=(512, 256), dropout=0.3)
    if variant == "recipe":
        return recipes.fast_dcgan(generator, discriminator)
    gan = GAN(generator, discriminator)
    gan.compile()
    return gan


def run(variant: str, seed: int, epochs: int) -> list[dict]:
    test = data.to_unit_range(data.load_mnist("test")[0][:5000, :, :, None])
    tag = dict(variant=variant, seed=seed)
    scores = recipes.scores_by_epoch(build(variant, seed), data.mnist(batch_size=64), epochs,
                                     metrics.image_statistics(test), CHECKPOINTS, n_samples=5000,
                                     report=lambda score: print(json.dumps(tag | score), flush=True))
    return [tag | score for score in scores]


def table(result: dict) -> str:
    rows = result["points"]
    lines = ["| settings | epochs | CPU-min (mean) | FD (mean ± sd) | readable (mean ± sd) |", "|---|---|---|---|---|"]
    for variant in VARIANTS:
        for epoch in sorted({r["epoch"] for r in rows if r["variant"] == variant}):
            at = [r for r in rows if r["variant"] == variant and r["epoch"] == epoch]
            fd, readable = np.array([r["fd"] for r in at]), np.array([r["readable"] for r in at])
            cpu = np.mean([r["cpu_seconds"] for r in at]) / 60
            lines.append(f"| {variant} | {epoch} | {cpu:.1f} | {fd.mean():.0f} ± {fd.std(ddof=1) if len(at) > 1 else 0:.0f}"
                         f" | {readable.mean():.2f} ± {readable.std(ddof=1) if len(at) > 1 else 0:.2f} |")
    return "\n".join(lines) + f"\n\n{len({r['seed'] for r in rows})} seeds; {result['machine']}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", help="any of: " + ", ".join(VARIANTS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[4, 5, 6])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--append", action="store_true", help="add to the stored result instead of replacing it")
    parser.add_argument("--table", action="store_true", help="print the stored result as a table")
    parser.add_argument("--result", type=Path, default=RESULT, help="where the result is kept")
    args = parser.parse_args()
    unknown = sorted(set(args.variants) - set(VARIANTS))
    if unknown:  # checked here: argparse's choices reject an empty list, which --table needs
        parser.error(f"unknown variants {unknown}: choose from {', '.join(VARIANTS)}")
    if args.table:
        print(table(json.loads(args.result.read_text())))
        return
    hardware = ganlab.device.setup()
    points = []
    for variant in args.variants:
        for seed in args.seeds:
            points += run(variant, seed, args.epochs)
    if args.append and args.result.exists():
        points = json.loads(args.result.read_text())["points"] + points
    args.result.parent.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps({"machine": f"{hardware}; {platform.processor() or platform.machine()}",
                                       "points": points}, indent=1) + "\n")
    print(table(json.loads(args.result.read_text())))


if __name__ == "__main__":
    main()
