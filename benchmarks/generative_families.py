"""Three families at equal CPU time: the recipe DCGAN, a VAE and a small diffusion model (notebook 10, longer).

Each family is trained on MNIST (or Fashion-MNIST) by ``ganlab.experiments.families.train_for`` until the
process has spent ``--cpu-seconds`` of CPU time (``time.process_time``, every thread of this process, which
other jobs on the machine do not inflate), and measured at ``--checkpoints`` evenly spaced budgets on
the same measures as notebook 10: the Fréchet distance, precision, recall, density, coverage (k = 5),
the readable share (the shipped classifier's top probability >= 0.9) and the memorisation ratio, on
``--samples`` samples against as many test images (a second, disjoint set of test images is the
held-out set of the memorisation ratio), and the CPU time per sampled image. The diffusion model is
sampled by deterministic DDIM with ``--ddim-steps`` steps; at the end also with 5, 10, 20, 50 (and 100).
Measurement time is not counted in the budgets.

    python benchmarks/generative_families.py --cpu-seconds 600                  # about 40 minutes on 2 busy cores
    python benchmarks/generative_families.py --cpu-seconds 60 --checkpoints 2   # a smoke run
    python benchmarks/generative_families.py --dataset fashion_mnist --cpu-seconds 300

Writes ``result.json`` (shipped with the package, read by notebook 10 through ``families.load``),
``curves.png``, ``samples.png`` and ``table.md`` to ``--out``
(default ``ganlab/experiments/results/families/<dataset>``).
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import ganlab  # noqa: F401  (quiet TensorFlow start-up)
import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from ganlab import data, models  # noqa: E402
from ganlab.experiments import families, recipes  # noqa: E402
from ganlab.training import VAE, Diffusion  # noqa: E402
from ganlab.views import plots  # noqa: E402



def build(family: str, seed: int, dataset: str):
    ganlab.seed(seed)
    if family == "gan":
        model = recipes.fast_dcgan(seed=seed)
        return model, lambda n, s=1, steps=None: model.sample(n, seed=s)
    if family == "vae":
        model = VAE(models.vae_encoder(latent_dim=16), models.vae_decoder(latent_dim=16), seed=seed)
        model.compile(keras.optimizers.Adam(1e-3))
        return model, lambda n, s=1, steps=None: model.sample(n, seed=s)
    model = Diffusion(models.diffusion_unet(width=16), models.linear_schedule(1000), ema_decay=0.999, seed=seed)
    model.compile(keras.optimizers.Adam(1e-3))
    return model, lambda n, s=1, steps=20: model.sample(n, steps=steps or 20, seed=s)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-seconds", type=float, default=600.0, help="training CPU-seconds per family")
    parser.add_argument("--checkpoints", type=int, default=4, help="measurements per family, evenly spaced")
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--ddim-steps", type=int, default=20)
    parser.add_argument("--dataset", default="mnist", choices=("mnist", "fashion_mnist"))
    parser.add_argument("--families", nargs="+", default=["gan", "vae", "diffusion"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or families.STORED / args.dataset
    out.mkdir(parents=True, exist_ok=True)
    tf.config.threading.set_inter_op_parallelism_threads(2)

    test, _ = data.load_images(args.dataset, "test")
    train, _ = data.load_images(args.dataset, "train", limit=20000)
    order = np.random.default_rng(0).permutation(len(test))[:2 * args.samples]
    reference = families.reference(test[order], train, args.dataset)
    result = {"settings": vars(args) | {"out": str(out)}, "machine": f"{platform.processor() or platform.machine()}, "
              f"{len(tf.config.list_logical_devices('CPU'))} logical CPU device(s), TensorFlow {tf.__version__}, "
              f"Python {platform.python_version()}", "families": {}}
    result["real"] = families.scores(test[order[args.samples:]], reference)
    grids = {}
    for family in args.families:
        model, sample = build(family, args.seed, args.dataset)
        pipeline = data.image_dataset(args.dataset, batch_size=64, seed=args.seed)
        spent, curve = None, []
        for k in range(1, args.checkpoints + 1):
            spent = families.train_for(model, pipeline, args.cpu_seconds * k / args.checkpoints, budget=spent)
            row = {"cpu_seconds": spent.cpu_seconds, "wall_seconds": spent.wall_seconds, "steps": spent.steps,
                   **families.scores(sample(args.samples), reference)}
            curve.append(row)
            print(family, json.dumps({key: round(v, 4) for key, v in row.items()}), flush=True)
        entry = {"curve": curve, "ms_per_image": 1000 * families.seconds_per_image(sample, 500)}
        if family == "diffusion":
            entry["ddim"] = {}
            for steps in (5, 10, 20, 50, 100):
                cpu = time.process_time()
                images = sample(args.samples, 1, steps)
                entry["ddim"][steps] = {**families.scores(images, reference),
                                        "ms_per_image": 1000 * (time.process_time() - cpu) / args.samples}
                print("ddim", steps, json.dumps({key: round(v, 4) for key, v in entry["ddim"][steps].items()}),
                      flush=True)
        result["families"][family] = entry
        grids[family] = sample(64, 2)
        (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for family, entry in result["families"].items():
        cpu = [row["cpu_seconds"] for row in entry["curve"]]
        for ax, key in zip(axes, ("FD", "readable", "recall")):
            ax.plot(cpu, [row[key] for row in entry["curve"]], "o-", label=family)
            ax.set(xlabel="training CPU-seconds", title=key)
    axes[0].set_yscale("log")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(out / "curves.png", dpi=100)
    fig, axes = plt.subplots(1, len(grids), figsize=(4 * len(grids), 4.4))
    for ax, (family, images) in zip(np.atleast_1d(axes), grids.items()):
        plots.image_grid(images, ncols=8, ax=ax)
        last = result["families"][family]["curve"][-1]
        ax.set_title(f"{family}: FD {last['FD']:.0f}, readable {last['readable']:.0%}", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "samples.png", dpi=100)
    (out / "table.md").write_text(families.table(result) + "\n")
    return result


if __name__ == "__main__":
    main()
