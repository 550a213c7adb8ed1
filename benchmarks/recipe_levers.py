"""Screen the levers of the DCGAN recipe on MNIST at equal CPU time.

Each named variant changes one thing (or a few) against the old defaults
(``dcgan_generator()``, ``dcgan_discriminator()``, width 32, batch 64, Adam 2e-4
with beta_1 0.5 for both, the non-saturating loss) and trains for ``--cpu-seconds``
of training CPU time (the process's CPU time, both cores together; measurement
excluded). Every ``--every`` CPU-seconds the Fréchet distance of ``--samples``
fixed-noise samples to the MNIST test set is measured for the raw generator and
for exponential moving averages of its weights (Yazici et al., 2019) kept on the
side by a callback, so that one run screens several EMA decays:

    ema = d_t * ema + (1 - d_t) * weights,  d_t = min(decay, (1 + t) / (10 + t))

for the trainable weights; the batch-norm moving statistics are either copied
from the raw generator ("copy") or averaged the same way ("avg").

    python benchmarks/recipe_levers.py baseline width64 ttur          # run these variants
    python benchmarks/recipe_levers.py --list                        # list the variants
    python benchmarks/recipe_levers.py width48 --append              # add to the stored result
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

import ganlab  # before TensorFlow starts: it asks for oneDNN's CPU kernels, as in the notebooks

import keras
import numpy as np
import tensorflow as tf

from ganlab import data, metrics, models
from ganlab.training import GAN

OLD = dict(width=32, g_width=None, d_width=None, kernel_size=4, batch=64, g_lr=2e-4, d_lr=2e-4, beta_1=0.5,
           beta_2=0.999, loss="non_saturating", r1=0.0, schedule="constant", dropout=0.0, d_bn=True, g_bn=True,
           smoothing=0.0, latent_dim=64, builtin_ema=None, g_extra=0, spectral_norm=False)  # g_extra: refinements

VARIANTS = {
    "baseline": {},
    "width48": dict(width=48),
    "width64": dict(width=64),
    "g64_d32": dict(g_width=64, d_width=32),
    "g32_d64": dict(g_width=32, d_width=64),
    "kernel5": dict(kernel_size=5),
    "lr4e-4": dict(g_lr=4e-4, d_lr=4e-4),
    "lr1e-4": dict(g_lr=1e-4, d_lr=1e-4),
    "ttur_d4e-4": dict(d_lr=4e-4),
    "ttur_g1e-4_d4e-4": dict(g_lr=1e-4, d_lr=4e-4),
    "cosine": dict(schedule="cosine"),
    "linear": dict(schedule="linear"),
    "batch32": dict(batch=32),
    "batch128": dict(batch=128),
    "r1_0.1": dict(r1=0.1),
    "r1_1": dict(r1=1.0),
    "r1_0.1_d_nobn": dict(r1=0.1, d_bn=False),
    "d_nobn": dict(d_bn=False),
    "g_nobn": dict(g_bn=False),
    "hinge": dict(loss="hinge"),
    "dropout0.3": dict(dropout=0.3),
    "smooth0.9": dict(smoothing=0.1),
    "beta2_0.99": dict(beta_2=0.99),
    "latent100": dict(latent_dim=100),
    "g_deep": dict(g_extra=1),
    "spectral_norm": dict(spectral_norm=True, d_bn=False),
    # The recipe (recipes.fast_dcgan, its weight average tracked on the side) and levers on top of it.
    "recipe": dict(g_lr=8e-4, g_extra=1),
    "recipe_decay": dict(g_lr=8e-4, g_extra=1, schedule="hold_then_decay"),
    "recipe_d64": dict(g_lr=8e-4, g_extra=1, g_width=32, d_width=64),
    "recipe_d64_decay": dict(g_lr=8e-4, g_extra=1, g_width=32, d_width=64, schedule="hold_then_decay"),
    # batch 128 with both rates raised by sqrt(2), the usual rescaling for Adam when the batch doubles
    "recipe_b128": dict(g_lr=1.13e-3, d_lr=2.83e-4, g_extra=1, batch=128),
}
SCHEDULES = {  # the learning rate's factor at a fraction of the CPU budget
    "constant": lambda f: 1.0,
    "cosine": lambda f: 0.5 * (1 + math.cos(math.pi * f)),
    "linear": lambda f: 1 - f,
    "hold_then_decay": lambda f: min(1.0, 2 * (1 - f)),  # constant for the first half, then linearly to 0
}


class LeverGAN(GAN):
    """GAN with the script's extra options: hinge loss and one-sided label smoothing (Salimans et al., 2016)."""

    def __init__(self, *args, loss="non_saturating", smoothing=0.0, **kwargs):
        generator_loss = (lambda fake: -tf.reduce_mean(fake)) if loss == "hinge" else "non_saturating"
        super().__init__(*args, generator_loss=generator_loss, **kwargs)
        self.kind, self.smoothing = loss, smoothing

    def judge_loss(self, real_logits, fake_logits, real=None, fake=None, draw=0):  # D's loss from its outputs
        real_logits, fake_logits = tf.cast(real_logits, tf.float32), tf.cast(fake_logits, tf.float32)
        if self.kind == "hinge":  # Lim and Ye (2017); Miyato et al. (2018)
            loss = tf.reduce_mean(tf.nn.relu(1 - real_logits)) + tf.reduce_mean(tf.nn.relu(1 + fake_logits))
        else:
            target = tf.fill(tf.shape(real_logits), 1.0 - self.smoothing)
            loss = (tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(target, real_logits))
                    + tf.reduce_mean(tf.nn.softplus(fake_logits)))
        if self.r1_weight and real is not None:
            loss = loss + ganlab.losses.r1_penalty(self.discriminator, real, self.r1_weight)
        return loss


def spectral(discriminator):
    """The same discriminator with every convolution and dense layer under spectral normalisation
    (Miyato et al., 2018): keras.layers.SpectralNormalization, one power iteration per step."""
    def wrap(layer):
        copy = type(layer).from_config(layer.get_config())  # what clone_model does by default
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            return keras.layers.SpectralNormalization(copy)
        return copy

    return keras.models.clone_model(discriminator, clone_function=wrap)


def build(config, dataset_name, seed=0):
    ganlab.seed(seed)
    g_width, d_width = config["g_width"] or config["width"], config["d_width"] or config["width"]
    generator = models.dcgan_generator(latent_dim=config["latent_dim"], width=g_width, kernel_size=config["kernel_size"],
                                       batch_norm=config["g_bn"], refinements=config["g_extra"])
    discriminator = models.dcgan_discriminator(width=d_width, kernel_size=config["kernel_size"],
                                               batch_norm=config["d_bn"], dropout=config["dropout"])
    if config["spectral_norm"]:
        discriminator = spectral(discriminator)
    gan = LeverGAN(generator, discriminator, loss=config["loss"], smoothing=config["smoothing"],
                   r1_weight=config["r1"], seed=seed, ema_decay=config["builtin_ema"])

    def adam(rate):
        return keras.optimizers.Adam(learning_rate=rate, beta_1=config["beta_1"], beta_2=config["beta_2"])

    gan.compile(adam(config["g_lr"]), adam(config["d_lr"]))
    return gan, data.image_dataset(dataset_name, batch_size=config["batch"], seed=seed)


class SideEMA:
    """EMA copies of a generator's weights kept in NumPy, one per (decay, batch-norm mode)."""

    def __init__(self, generator, decays):
        self.trainable = np.array([v.trainable for v in generator.weights])
        self.copies = {(d, mode): [w.copy() for w in generator.get_weights()] for d in decays
                       for mode in ("copy", "avg")}
        self.t = 0
        self.clone = keras.models.clone_model(generator)

    def update(self, weights):
        for (decay, mode), ema in self.copies.items():
            d = min(decay, (1 + self.t) / (10 + self.t))
            for i, w in enumerate(weights):
                if self.trainable[i] or mode == "avg":
                    ema[i] *= d
                    ema[i] += (1 - d) * w
                else:
                    ema[i][...] = w
        self.t += 1

    def generator(self, key):
        self.clone.set_weights(self.copies[key])
        return self.clone


class Measure(keras.callbacks.Callback):
    """FD of raw and EMA generators every `every` training CPU-seconds; stops after `budget`; LR schedule."""

    def __init__(self, stats, dataset_name, budget, every, n_samples, decays, schedule, rates, log):
        super().__init__()
        self.stats, self.dataset_name, self.budget, self.every = stats, dataset_name, budget, every
        self.noise = np.random.default_rng(123).standard_normal((n_samples, 1)).astype(np.float32)
        self.n_samples, self.decays, self.schedule, self.rates, self.log = n_samples, decays, schedule, rates, log
        self.cpu = self.wall = 0.0
        self.curves = {"cpu_seconds": [], "wall_seconds": [], "steps": []}
        self.steps = 0

    def on_train_begin(self, logs=None):
        g = self.model.generator
        self.noise = np.random.default_rng(123).standard_normal((self.n_samples, g.input_shape[1])).astype(np.float32)
        self.ema = SideEMA(g, self.decays) if self.decays else None
        self.next = self.every
        self._cpu0, self._wall0 = time.process_time(), time.perf_counter()

    def _pause(self):
        self.cpu += time.process_time() - self._cpu0
        self.wall += time.perf_counter() - self._wall0

    def _resume(self):
        self._cpu0, self._wall0 = time.process_time(), time.perf_counter()

    def on_train_batch_begin(self, batch, logs=None):
        if self.schedule != "constant":
            self._pause()
            fraction = min(self.cpu / self.budget, 1.0)
            factor = SCHEDULES[self.schedule](fraction)
            for optimizer, rate in zip((self.model.generator_optimizer, self.model.discriminator_optimizer),
                                       self.rates):
                optimizer.learning_rate = rate * max(factor, 0.01)
            self._resume()

    def on_train_batch_end(self, batch, logs=None):
        self._pause()  # the side EMA stands in for an in-graph update: its NumPy cost is not counted
        self.steps += 1
        if self.ema is not None:
            self.ema.update(self.model.generator.get_weights())
        if self.cpu >= self.next or self.cpu >= self.budget:
            self.measure()
            self.next += self.every
        if self.cpu >= self.budget:
            self.model.stop_training = True
        self._resume()

    def fd(self, generator):
        samples = np.concatenate([keras.ops.convert_to_numpy(generator(self.noise[i:i + 1000], training=False))
                                  for i in range(0, len(self.noise), 1000)])
        return metrics.frechet_distance(samples, self.stats, self.dataset_name), samples[:64]

    def generators(self):
        yield "raw", self.model.generator
        if getattr(self.model, "ema_generator", None) is not None:
            yield "builtin_ema", self.model.ema_generator
        if self.ema is not None:
            for decay, mode in self.ema.copies:
                yield f"ema{decay}_{mode}", self.ema.generator((decay, mode))

    def measure(self):
        self.curves["cpu_seconds"].append(self.cpu)
        self.curves["wall_seconds"].append(self.wall)
        self.curves["steps"].append(self.steps)
        parts = []
        self.last_samples = {}
        for name, generator in self.generators():
            value, samples = self.fd(generator)
            self.curves.setdefault(name, []).append(value)
            self.last_samples[name] = samples
            parts.append(f"{name} {value:.1f}")
        self.log(f"  step {self.steps:6d} {self.cpu:7.1f} s CPU {self.wall:7.1f} s wall | " + ", ".join(parts))


def run(name, overrides, args, stats, log):
    config = {**OLD, **overrides}
    log(f"variant {name}: {overrides}")
    gan, dataset = build(config, args.dataset, seed=args.seed)
    decays = [float(d) for d in args.ema.split(",")] if args.ema else []
    measure = Measure(stats, args.dataset, args.cpu_seconds, args.every, args.samples, decays, config["schedule"],
                      (config["g_lr"], config["d_lr"]), log)
    gan.fit(dataset, epochs=1000, callbacks=[measure], verbose=0)
    curves = measure.curves
    keys = [k for k in curves if k not in ("cpu_seconds", "wall_seconds", "steps")]
    best = {k: float(np.min(curves[k])) for k in keys}
    log(f"  {name}: final " + ", ".join(f"{k} {curves[k][-1]:.1f}" for k in keys)
        + f"; best {min(best, key=best.get)} {min(best.values()):.1f}")
    np.save(args.out / f"samples_{name}.npy", np.stack([measure.last_samples[k] for k in keys]))
    return {"config": config, "overrides": overrides, "curves": curves, "best": best,
            "final": {k: curves[k][-1] for k in keys}, "params": {"generator": gan.generator.count_params(),
                                                                "discriminator": gan.discriminator.count_params()}}


def plot(results, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 5), constrained_layout=True, sharey=True)
    for i, (name, result) in enumerate(results.items()):
        curves = result["curves"]
        x = np.array(curves["cpu_seconds"])
        line, = axes[0].plot(x, curves["raw"], marker=".", label=name, color=plt.cm.tab20(i % 20),
                             ls=("-", "--")[i // 20 % 2])
        emas = {k: v for k, v in curves.items() if k.startswith("ema") or k == "builtin_ema"}
        if emas:
            key = min(emas, key=lambda k: emas[k][-1])
            axes[1].plot(x, emas[key], ".-", color=line.get_color(), label=f"{name} ({key})")
    for ax, title in zip(axes, ("raw generator", "best EMA of the generator")):
        ax.set_title(title)
        ax.set_xlabel("training CPU seconds (both cores)")
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("Fréchet distance, 5,000 samples vs test set")
    fig.savefig(out / "curves.png", dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variants", nargs="*")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=JSON",
                        help='an ad-hoc variant, e.g. combo=\'{"width": 48, "d_lr": 4e-4}\'')
    parser.add_argument("--cpu-seconds", type=float, default=240.0)
    parser.add_argument("--every", type=float, default=60.0)
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--ema", default="0.999,0.9999", help="side EMA decays to track, comma-separated")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--append", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/recipe_levers"))
    args = parser.parse_args()
    if args.list:
        print("\n".join(f"{k}: {v}" for k, v in VARIANTS.items()))
        return
    variants = {name: VARIANTS[name] for name in args.variants}
    for item in args.set:
        name, value = item.split("=", 1)
        variants[name] = json.loads(value)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "result.json"
    stored = json.loads(path.read_text()) if args.append and path.exists() else {}
    results = stored.get("variants", {})
    log_file = open(args.out / "log.txt", "a" if args.append else "w")

    def log(line):
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, TensorFlow {tf.__version__}"
    log(f"machine: {machine}; {args.cpu_seconds:.0f} CPU-s per variant, FD on {args.samples} samples "
        f"every {args.every:.0f} CPU-s, dataset {args.dataset}, seed {args.seed}")
    test_images, _ = data.load_images(args.dataset, "test")
    stats = metrics.image_statistics(test_images, args.dataset)
    for name, overrides in variants.items():
        key = name if args.dataset == "mnist" else f"{args.dataset}:{name}"
        results[key] = {**run(name, overrides, args, stats, log), "cpu_budget": args.cpu_seconds,
                        "samples": args.samples, "dataset": args.dataset, "seed": args.seed}
        path.write_text(json.dumps({"machine": machine, "variants": results}, indent=1))
        plot({k: v for k, v in results.items() if v.get("dataset", "mnist") == "mnist"}, args.out)


if __name__ == "__main__":
    main()
