"""Notebook 03's WGAN-GP on MNIST: the paper's settings against a weight average and a faster generator.

Every variant trains notebook 03's networks (``dcgan_generator()``, ``dcgan_critic()``) with the gradient
penalty (lambda 10) and 5 critic steps per generator step, each critic step on its own 64 images, so that a
generator step costs the same in all of them:

* ``paper``: Adam 1e-4 with beta_1 0, beta_2 0.9 for both networks (Gulrajani et al., 2017);
* ``ema``: the same, with samples drawn from a moving average of the generator's weights (decay 0.999);
* ``fast_g``: the generator's Adam at 4e-4 (the critic keeps 1e-4);
* ``fast_g_ema``: both changes.

After the listed epochs (187 generator steps each), 2,000 fixed-noise samples are scored against the test
set: the Fréchet distance in the shipped classifier's features and the readable share. Training CPU time
is recorded beside each point, measurement excluded.

    python benchmarks/wgan_recipe.py paper ema fast_g fast_g_ema --seeds 6 --epochs 12
    python benchmarks/wgan_recipe.py --table
"""
from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import keras
import numpy as np

import ganlab
from ganlab import data, metrics, models
from ganlab.experiments import recipes
from ganlab.training import WGAN

RESULT = Path(__file__).parent / "results" / "wgan_recipe" / "result.json"
VARIANTS = {"paper": (1e-4, None), "ema": (1e-4, 0.999), "fast_g": (4e-4, None), "fast_g_ema": (4e-4, 0.999)}
CHECKPOINTS = (1, 4, 8, 12, 16)
CRITIC_STEPS, BATCH = 5, 64


def build(variant: str, seed: int) -> WGAN:
    generator_rate, ema_decay = VARIANTS[variant]
    ganlab.seed(seed)
    wgan = WGAN(models.dcgan_generator(), models.dcgan_critic(), critic_steps=CRITIC_STEPS, ema_decay=ema_decay,
                seed=seed)
    wgan.compile(keras.optimizers.Adam(generator_rate, beta_1=0.0, beta_2=0.9),
                 keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9))
    return wgan


def run(variant: str, seed: int, epochs: int, reference) -> list[dict]:
    tag = dict(variant=variant, seed=seed)
    scores = recipes.scores_by_epoch(build(variant, seed), data.mnist(batch_size=CRITIC_STEPS * BATCH, seed=seed),
                                     epochs, reference, CHECKPOINTS, n_samples=2000,
                                     report=lambda score: print(json.dumps(tag | score), flush=True))
    return [tag | score for score in scores]


def table(result: dict) -> str:
    rows = result["points"]
    lines = ["| settings | epochs | CPU-min (mean) | FD (mean, per seed) | readable (mean, per seed) |",
             "|---|---|---|---|---|"]
    for variant in VARIANTS:
        for epoch in sorted({r["epoch"] for r in rows if r["variant"] == variant}):
            at = [r for r in rows if r["variant"] == variant and r["epoch"] == epoch]
            cpu = np.mean([r["cpu_seconds"] for r in at]) / 60
            fd = ", ".join(f"{r['fd']:.0f}" for r in at)
            readable = ", ".join(f"{r['readable']:.2f}" for r in at)
            lines.append(f"| {variant} | {epoch} | {cpu:.1f} | {np.mean([r['fd'] for r in at]):.0f} ({fd}) | "
                         f"{np.mean([r['readable'] for r in at]):.2f} ({readable}) |")
    return "\n".join(lines) + f"\n\nseeds {sorted({r['seed'] for r in rows})}; {result['machine']}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", help="any of: " + ", ".join(list(VARIANTS)))
    parser.add_argument("--seeds", type=int, nargs="+", default=[6])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--append", action="store_true", help="add to the stored result instead of replacing it")
    parser.add_argument("--table", action="store_true", help="print the stored result as a table")
    parser.add_argument("--result", type=Path, default=RESULT, help="where the result is kept")
    args = parser.parse_args()
    unknown = sorted(set(args.variants) - set(list(VARIANTS)))
    if unknown:  # checked here: argparse's choices reject an empty list, which --table needs
        parser.error(f"unknown variants {unknown}: choose from {', '.join(list(VARIANTS))}")
    if args.table:
        print(table(json.loads(args.result.read_text())))
        return
    hardware = ganlab.device.setup()
    test_images, _ = data.load_images("mnist", "test")
    reference = metrics.image_statistics(test_images)
    points = []
    for seed in args.seeds:
        for variant in args.variants:
            points += run(variant, seed, args.epochs, reference)
    if args.append and args.result.exists():
        points = json.loads(args.result.read_text())["points"] + points
    args.result.parent.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps({"machine": f"{hardware}; {platform.processor() or platform.machine()}",
                                       "points": points}, indent=1) + "\n")
    print(table(json.loads(args.result.read_text())))


if __name__ == "__main__":
    main()
