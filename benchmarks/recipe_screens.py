"""Faster settings screened epoch by epoch: notebook 01's perceptron GAN and notebook 03's WGAN-GP against the papers',
and the DCGAN recipe over several seeds.

``mlp``: notebook 01's networks (``mlp_generator`` 64 -> 256 -> 512 -> 1024 -> 784, ``mlp_discriminator``
784 -> 512 -> 256 -> 1 with dropout 0.3), MNIST in batches of 64:

* ``paper``: ``GAN.compile()``, Adam 2e-4 with beta_1 0.5 for both networks (Radford et al., 2016);
* ``recipe``: ``recipes.fast_dcgan(generator, discriminator)``, the training settings that the DCGAN lever
  screen chose (generator 8e-4, discriminator 2e-4, samples from a moving average of the generator's weights).

``wgan_gp``: notebook 03's networks (``dcgan_generator()``, ``dcgan_critic()``), the gradient penalty (lambda 10)
and 5 critic steps per generator step, each on its own 64 images:

* ``paper``: Adam 1e-4 with beta_1 0, beta_2 0.9 for both networks (Gulrajani et al., 2017);
* ``ema``: the same, with samples from a moving average of the generator's weights (decay 0.999);
* ``fast_g``: the generator's Adam at 4e-4 (the critic keeps 1e-4), ``recipes.wgan_gp_optimizers()``;
* ``fast_g_ema``: both changes.

``dcgan``: the recipe itself, ``recipes.fast_dcgan()`` on MNIST in batches of 64, each seed with its own data
order, scored on 10,000 samples against the 10,000 test digits (as ``time_to_quality.py`` scores):

* ``recipe``: as it is;
* ``recipe_decay``: both rates held for the first half of the run, then decayed linearly to 0 at its last step
  (``fast_dcgan(decay_steps=...)``), so its points before the last belong to that run's length only;
* ``recipe_ema9999``: samples from a slower moving average (decay 0.9999 instead of 0.999; with the warm-up, the
  average spans about the last ninth of the steps until step 90,000).

After the listed epochs, fixed-noise samples are scored against MNIST test digits (``recipes.scores_by_epoch``):
the Fréchet distance in the shipped classifier's features and the readable share, beside the CPU time of
training so far (scoring excluded), so that settings can be compared at equal CPU time.

    python benchmarks/recipe_screens.py mlp paper recipe --seeds 4 5 6 --epochs 12
    python benchmarks/recipe_screens.py wgan_gp paper ema fast_g fast_g_ema --seeds 6 --epochs 12
    python benchmarks/recipe_screens.py wgan_gp paper fast_g --seeds 7 --epochs 12 --append
    python benchmarks/recipe_screens.py dcgan recipe --seeds 0 --epochs 36 --threads 1 --result s0.json  # one a core;
    python benchmarks/recipe_screens.py dcgan --merge s0.json s1.json s2.json  # join such per-seed files
    python benchmarks/recipe_screens.py mlp --table      # the stored result as the README's table
"""
from __future__ import annotations

import argparse
import json
import platform
from collections import Counter
from pathlib import Path

import ganlab  # before TensorFlow starts: it asks for oneDNN's CPU kernels, as in the notebooks

import numpy as np
import tensorflow as tf

from ganlab import data, metrics, models
from ganlab.experiments import recipes
from ganlab.training import GAN, WGAN

RESULTS = Path(__file__).parent / "results" / "recipe_screens"
CRITIC_STEPS = 5


def mlp_gan(variant: str, seed: int, epochs: int) -> GAN:
    ganlab.seed(seed)
    generator = models.mlp_generator(latent_dim=64, output_shape=(28, 28, 1), hidden_units=(256, 512, 1024))
    discriminator = models.mlp_discriminator(input_shape=(28, 28, 1), hidden_units=(512, 256), dropout=0.3)
    if variant == "recipe":
        return recipes.fast_dcgan(generator, discriminator)
    gan = GAN(generator, discriminator)
    gan.compile()
    return gan


def wgan_gp(variant: str, seed: int, epochs: int) -> WGAN:
    ganlab.seed(seed)
    wgan = WGAN(models.dcgan_generator(), models.dcgan_critic(), critic_steps=CRITIC_STEPS,
                ema_decay=0.999 if variant.endswith("ema") else None, seed=seed)
    if variant.startswith("fast_g"):
        wgan.compile(*recipes.wgan_gp_optimizers())  # the recipe itself, as notebook 03 compiles it
    else:
        wgan.compile()  # WGAN's default for the penalty: the paper's Adam 1e-4, beta_1 0, beta_2 0.9, for both
    return wgan


def dcgan(variant: str, seed: int, epochs: int) -> GAN:
    ganlab.seed(seed)
    decay = epochs * (60000 // 64) if variant == "recipe_decay" else None
    ema = 0.9999 if variant == "recipe_ema9999" else recipes.EMA_DECAY
    return recipes.fast_dcgan(seed=seed, decay_steps=decay, ema_decay=ema)


# per screen: the GAN builder, its variants, its data for a seed (the perceptrons see notebook 01's order,
# each WGAN-GP seed its own, in batches of 64 per critic step), samples per score, the epochs scored, and how
# many test digits the samples are compared with
SCREENS = {
    "mlp": dict(build=mlp_gan, variants=("paper", "recipe"), data=lambda seed: data.mnist(batch_size=64),
                n_samples=5000, checkpoints=(1, 5, 10, 12, 15, 20), n_test=5000),
    "wgan_gp": dict(build=wgan_gp, variants=("paper", "ema", "fast_g", "fast_g_ema"),
                    data=lambda seed: data.mnist(batch_size=CRITIC_STEPS * 64, seed=seed),
                    n_samples=2000, checkpoints=(1, 4, 8, 12, 16), n_test=10000),
    "dcgan": dict(build=dcgan, variants=("recipe", "recipe_decay", "recipe_ema9999"),
                  data=lambda seed: data.mnist(batch_size=64, seed=seed), n_samples=10000,
                  checkpoints=(1, 2, 4, 6, 8, 12, 16, 20, 24, 28, 32, 36), n_test=10000),
}


def run(screen: str, variant: str, seed: int, epochs: int) -> list[dict]:
    spec = SCREENS[screen]
    test = data.to_unit_range(data.load_mnist("test")[0][:spec["n_test"], :, :, None])
    tag = dict(variant=variant, seed=seed)
    gan = spec["build"](variant, seed, epochs)  # a schedule over the run needs its length
    scores = recipes.scores_by_epoch(gan, spec["data"](seed), epochs,
                                     metrics.image_statistics(test), spec["checkpoints"], spec["n_samples"],
                                     report=lambda score: print(json.dumps(tag | score), flush=True))
    return [tag | score for score in scores]


def table(result: dict, variants) -> str:
    """The README's table: per setting and epoch, mean CPU time, and FD and readable share (mean, then per seed)."""
    rows = result["points"]
    lines = ["| settings | epochs | CPU-min (mean) | FD (mean, per seed) | readable (mean, per seed) |",
             "|---|---|---|---|---|"]
    for variant in variants:
        for epoch in sorted({r["epoch"] for r in rows if r["variant"] == variant}):
            at = [r for r in rows if r["variant"] == variant and r["epoch"] == epoch]
            cpu = np.mean([r["cpu_seconds"] for r in at]) / 60
            fd = ", ".join(f"{r['fd']:.0f}" for r in at)
            readable = ", ".join(f"{r['readable']:.2f}" for r in at)
            lines.append(f"| {variant} | {epoch} | {cpu:.1f} | {np.mean([r['fd'] for r in at]):.0f} ({fd}) | "
                         f"{np.mean([r['readable'] for r in at]):.2f} ({readable}) |")
    return "\n".join(lines) + f"\n\nseeds {sorted({r['seed'] for r in rows})}; {result['machine']}"


def merge(parser, files: list[Path], path: Path, append: bool) -> None:
    """Write to ``path`` the points of ``files`` (after the stored ones with ``append``); each point once."""
    missing = [str(file) for file in files if not file.exists()]
    if missing:
        parser.error(f"--merge: no such file {', '.join(missing)}; give the --result files of the runs to join")
    results = [json.loads(file.read_text()) for file in files]
    points = [point for result in results for point in result["points"]]
    if append and path.exists():
        points = json.loads(path.read_text())["points"] + points
    counts = Counter((p["variant"], p["seed"], p["epoch"]) for p in points)
    twice = sorted(key for key, count in counts.items() if count > 1)
    if twice:
        parser.error(f"--merge: {len(twice)} (setting, seed, epoch) points appear twice, e.g. {twice[0]}; "
                     "give each run's file once (and leave out --append if the stored result already has them)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": results[0]["machine"], "points": points}, indent=1) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("screen", choices=list(SCREENS))
    parser.add_argument("variants", nargs="*", help="the screen's settings to train (see above)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[4, 5, 6])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--append", action="store_true", help="add to the stored result instead of replacing it")
    parser.add_argument("--table", action="store_true", help="print the stored result as a table")
    parser.add_argument("--result", type=Path, help="where the result is kept (default: results/recipe_screens/)")
    parser.add_argument("--merge", type=Path, nargs="+", metavar="FILE", help="join the points of these --result "
                        "files (runs made side by side) into the result, without training")
    parser.add_argument("--threads", type=int, help="TensorFlow's intra- and inter-op threads (default: its own "
                        "choice); 1 lets two runs share a 2-core machine without contending")
    args = parser.parse_args()
    variants = SCREENS[args.screen]["variants"]
    unknown = sorted(set(args.variants) - set(variants))
    if unknown:  # checked here: argparse's choices reject an empty list, which --table needs
        parser.error(f"unknown variants {unknown} for {args.screen}: choose from {', '.join(variants)}")
    path = args.result or RESULTS / f"{args.screen}.json"
    if args.table:
        print(table(json.loads(path.read_text()), variants))
        return
    if args.merge:
        merge(parser, args.merge, path, args.append)
        print(table(json.loads(path.read_text()), variants))
        return
    if args.threads is not None:
        if args.threads < 1:
            parser.error(f"--threads must be at least 1, got {args.threads}")
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    hardware = ganlab.device.setup()
    points = [point for seed in args.seeds for variant in args.variants
              for point in run(args.screen, variant, seed, args.epochs)]
    if args.append and path.exists():
        points = json.loads(path.read_text())["points"] + points
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": f"{hardware}; {platform.processor() or platform.machine()}",
                                "points": points}, indent=1) + "\n")
    print(table(json.loads(path.read_text()), variants))


if __name__ == "__main__":
    main()
