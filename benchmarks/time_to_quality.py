"""Time to quality: ganlab's DCGAN, with its defaults and with a faster recipe, against the TensorFlow DCGAN tutorial's.

The reference is the architecture and settings published in TensorFlow's DCGAN
tutorial (tensorflow.org/tutorials/generative/dcgan): generator Dense(7*7*256)
-> ConvT(128, 5, stride 1) -> ConvT(64, 5, stride 2) -> ConvT(1, 5, stride 2, tanh)
with batch norm and LeakyReLU; discriminator Conv(64, 5, stride 2) -> Conv(128, 5,
stride 2) with LeakyReLU and dropout 0.3 -> Dense(1); batch 256, Adam 1e-4 for
both, noise dimension 100, binary cross-entropy on logits, one simultaneous
update of both networks per step. It is rebuilt here from that description.

All are trained on MNIST and measured with the same Fréchet distance (ganlab's
MNIST classifier features, fixed noise, against the test set). Two targets:

* the reference's: the median distance (5,000 samples) of its last three epochs (its
  distance swings from epoch to epoch); reported, the training time each needs to
  first reach it and their ratio;
* near-real digits: FD 40, 20 and 10 with 10,000 samples (real training images score about
  1.5), within a budget of 1,800 CPU-seconds, 15 minutes on two busy cores; reported,
  the CPU seconds to each, for the defaults ("old": width 32, Adam 2e-4 for both, no
  weight average, what ``dcgan_generator()``, ``dcgan_discriminator()``, ``GAN()`` and
  ``compile()`` give) and for the recipe that the lever screen chose
  (``recipes.fast_dcgan()``, "recipe"; ``benchmarks/recipe_levers.py``).

Measurement time is excluded. Time is counted twice: as wall-clock seconds, and as
the process's CPU seconds (both cores together), which stay honest if anything else
runs on the machine; comparisons are taken on CPU time. The reference's 25 epochs
take 80 minutes: ``--skip-reference`` reuses its stored curve (``reference.json``).

    python benchmarks/time_to_quality.py --skip-reference              # the defaults and the recipe, 1,800 CPU-s each
    python benchmarks/time_to_quality.py                               # the full run, the reference included
    python benchmarks/time_to_quality.py --skip-reference --runs recipe --dataset fashion_mnist --budget 300
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import time
from pathlib import Path

import ganlab  # before TensorFlow starts: it asks for oneDNN's CPU kernels, as in the notebooks

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from ganlab import data, metrics, models
from ganlab.views import plots
from ganlab.experiments import recipes
from ganlab.training import GAN


def reference_generator(noise_dim=100):
    z = keras.Input((noise_dim,))
    x = layers.Dense(7 * 7 * 256, use_bias=False)(z)
    x = layers.LeakyReLU()(layers.BatchNormalization()(x))
    x = layers.Reshape((7, 7, 256))(x)
    for channels, stride in ((128, 1), (64, 2)):
        x = layers.Conv2DTranspose(channels, 5, strides=stride, padding="same", use_bias=False)(x)
        x = layers.LeakyReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False, activation="tanh")(x)
    return keras.Model(z, x)


def reference_discriminator():
    image = keras.Input((28, 28, 1))
    x = image
    for channels in (64, 128):
        x = layers.Conv2D(channels, 5, strides=2, padding="same")(x)
        x = layers.Dropout(0.3)(layers.LeakyReLU()(x))
    return keras.Model(image, layers.Dense(1)(layers.Flatten()(x)))


def train_reference(epochs, reference_stats, n_samples, log):
    """The tutorial's loop: per batch, one tape for each network, both updated from the same forward pass."""
    ganlab.seed(0)
    generator, discriminator = reference_generator(), reference_discriminator()
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    images, _ = data.load_images("mnist")
    dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(60000, seed=0).batch(256)

    @tf.function
    def step(real):
        noise = tf.random.normal((tf.shape(real)[0], 100))
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = generator(noise, training=True)
            real_out, fake_out = discriminator(real, training=True), discriminator(fake, training=True)
            g_loss = bce(tf.ones_like(fake_out), fake_out)
            d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
        g_opt.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))
        d_opt.apply_gradients(zip(d_tape.gradient(d_loss, discriminator.trainable_variables),
                                  discriminator.trainable_variables))

    fixed = np.random.default_rng(123).standard_normal((n_samples, 100)).astype(np.float32)
    curve = {"seconds": [], "cpu_seconds": [], "fid": [], "steps": []}
    clock, cpu_clock, steps = 0.0, 0.0, 0
    for epoch in range(epochs):
        start, cpu_start = time.perf_counter(), time.process_time()
        for batch in dataset:
            step(batch)
            steps += 1
        clock += time.perf_counter() - start
        cpu_clock += time.process_time() - cpu_start
        samples = np.concatenate([generator(fixed[i:i + 1000], training=False).numpy() for i in range(0, n_samples, 1000)])
        fid = metrics.frechet_distance(samples, reference_stats)
        curve["seconds"].append(clock)
        curve["cpu_seconds"].append(cpu_clock)
        curve["fid"].append(fid)
        curve["steps"].append(steps)
        log(f"reference epoch {epoch + 1:3d}: {clock:7.1f} s wall, {cpu_clock:7.1f} s CPU, FD {fid:.2f}")
    return curve, samples[:64]


def old_defaults():
    """ganlab's DCGAN with its defaults, the paper's settings: width 32 both, Adam 2e-4 (beta_1 0.5) both, no EMA."""
    gan = GAN(models.dcgan_generator(width=32), models.dcgan_discriminator(width=32), ema_decay=None)
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    return gan


def with_ema():
    """The old defaults, sampled from a moving average of the generator's weights (decay 0.999)."""
    gan = GAN(models.dcgan_generator(width=32), models.dcgan_discriminator(width=32), ema_decay=0.999)
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    return gan


def fast_recipe():
    """The lever screen's winner, ``recipes.fast_dcgan()``: a deeper generator, its rate raised, sampled from its EMA."""
    return recipes.fast_dcgan()


RUNS = {"old": old_defaults, "ema": with_ema, "recipe": fast_recipe}
LABELS = {"old": "defaults (the DCGAN paper's settings)", "ema": "defaults + weight average (0.999)",
          "recipe": "recipes.fast_dcgan()"}


STOP = {"asked": False}  # set by SIGTERM: the run in progress measures once more, stops, and results are written


class CpuMeasure(keras.callbacks.Callback):
    """FD every `every` training CPU-seconds (measurement excluded); stops at the last target or the budget."""

    def __init__(self, stats, dataset, n_samples, every, budget, stop_at, log, name):
        super().__init__()
        self.stats, self.dataset, self.n_samples, self.every, self.budget = stats, dataset, n_samples, every, budget
        self.stop_at, self.log, self.name = stop_at, log, name
        self.curve = {"seconds": [], "cpu_seconds": [], "steps": [], "fid": [], "fid_5000": []}
        self.cpu = self.wall = 0.0
        self.step = 0

    def on_train_begin(self, logs=None):
        self.next, self._cpu, self._wall = self.every, time.process_time(), time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.cpu += time.process_time() - self._cpu
        self.wall += time.perf_counter() - self._wall
        self.step += 1
        if self.cpu >= self.next or self.cpu >= self.budget or STOP["asked"]:
            self.next += self.every
            if self.measure() <= self.stop_at or self.cpu >= self.budget or STOP["asked"]:
                self.model.stop_training = True
        self._cpu, self._wall = time.process_time(), time.perf_counter()

    def distances(self, raw=False):
        """FD of n_samples and of the first 5,000 of them (the reference's measure), from one feature pass."""
        features = metrics.image_features(self.model.sample(self.n_samples, seed=123, raw=raw), self.dataset)
        return [metrics.frechet_distance_from_stats(f.mean(axis=0), np.cov(f, rowvar=False), *self.stats)
                for f in (features, features[:5000])]

    def measure(self):
        fid, fid_5000 = self.distances()
        values = {"seconds": self.wall, "cpu_seconds": self.cpu, "steps": self.step, "fid": fid, "fid_5000": fid_5000}
        if self.model.ema_generator is not None:  # the trained generator too, to see what the average adds
            values["fid_raw"] = self.distances(raw=True)[0]
        for key, value in values.items():
            self.curve.setdefault(key, []).append(value)
        raw = f", raw generator {values['fid_raw']:.2f}" if "fid_raw" in values else ""
        self.log(f"{self.name} step {self.step:6d}: {self.wall:7.1f} s wall, {self.cpu:7.1f} s CPU, "
                 f"FD {fid:.2f} ({self.n_samples} samples), {fid_5000:.2f} (5,000){raw}")
        return fid


def train_ganlab(name, stats, args, log):
    """ganlab's DCGAN (`RUNS[name]`), measured every `args.every` CPU-seconds until FD 10 or the budget."""
    ganlab.seed(0)
    gan = RUNS[name]()
    measure = CpuMeasure(stats, args.dataset, args.samples, args.every, args.budget, min(args.targets), log, name)
    gan.fit(data.image_dataset(args.dataset, batch_size=64), epochs=10000, callbacks=[measure], verbose=0)
    curve = measure.curve
    curve["parameters"] = {"generator": gan.generator.count_params(), "discriminator": gan.discriminator.count_params()}
    if gan.ema_generator is not None:
        np.save(args.out / f"samples_{name}_raw.npy", gan.sample(64, seed=123, raw=True))
    return curve, gan.sample(64, seed=123)


def old_from_raw(curves):
    """The old defaults' curve read off the "ema" run's raw generator, if "old" was not trained itself.

    The "ema" run is the old defaults plus the weight average, which only watches training
    (tests/test_ema.py: the same seed trains the same weights with and without it), so its raw
    generator is the old defaults' generator, step for step.
    """
    ema = curves.get("ema", {})
    if "old" in curves or "fid_raw" not in ema:
        return curves
    old = {key: ema[key] for key in ("seconds", "cpu_seconds", "steps", "parameters")}
    old.update(fid=ema["fid_raw"], derived="the raw generator of the ema run (trained exactly as the old defaults)")
    return {**curves, "old": old}


def time_to(curve, target, clock="cpu_seconds", key="fid"):
    for seconds, fid in zip(curve[clock], curve[key]):
        if fid <= target:
            return seconds
    return None


def reference_part(args, reference_stats, log):
    """The reference's curve (trained now, or read from reference.json) and its target."""
    stored = args.out / "reference.json"
    if args.skip_reference:
        earlier = json.loads(stored.read_text())
        reference = earlier["reference_curve"]
        stored_samples = args.out / "reference_samples.npy"  # absent: samples_reference.png is left as it is
        samples = np.load(stored_samples) if stored_samples.exists() else None
        log(f"reference curve reused from {stored} ({earlier['machine']}, {earlier['reference_epochs']} epochs)")
    else:
        reference, samples = train_reference(args.reference_epochs, reference_stats, 5000, log)
        np.save(args.out / "reference_samples.npy", samples)
        stored.write_text(json.dumps({"machine": args.machine, "reference_epochs": args.reference_epochs,
                                      "samples": 5000, "reference_curve": reference}, indent=2))
    target = float(np.median(reference["fid"][-3:]))
    log(f"reference target (median of its last three epochs, 5,000 samples): FD {target:.2f}, reached after "
        f"{time_to(reference, target):.1f} s CPU ({time_to(reference, target, 'seconds'):.1f} s wall)")
    return reference, samples, target


def summarise(curves, targets, reference, reference_target, log):
    summary = {}
    for name, curve in curves.items():
        row = {f"cpu_seconds_to_{t:g}": time_to(curve, t) for t in targets}
        row.update({f"wall_seconds_to_{t:g}": time_to(curve, t, "seconds") for t in targets})
        row.update(best_fid=min(curve["fid"]), last_fid=curve["fid"][-1], cpu_seconds=curve["cpu_seconds"][-1],
                   wall_seconds=curve["seconds"][-1], steps=curve["steps"][-1], parameters=curve["parameters"])
        if reference is not None and "fid_5000" in curve:
            ours = time_to(curve, reference_target, key="fid_5000")
            row["cpu_seconds_to_reference_target"] = ours
            row["ratio_to_reference"] = None if ours is None else ours / time_to(reference, reference_target)
        summary[name] = row
        reached = ", ".join(f"FD {t:g}: " + ("not reached" if row[f"cpu_seconds_to_{t:g}"] is None
                                             else f"{row[f'cpu_seconds_to_{t:g}']:.0f} s CPU") for t in targets)
        log(f"{name}: {reached}; best FD {row['best_fid']:.2f}, last {row['last_fid']:.2f} after "
            f"{row['cpu_seconds']:.0f} s CPU ({row['wall_seconds']:.0f} s wall, {row['steps']} steps)")
    return summary


def draw(curves, reference, reference_target, targets, samples, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    if reference is not None:
        ax.plot(np.array(reference["cpu_seconds"]) / 60, reference["fid"], "o-", label="TF tutorial DCGAN (5,000 samples)")
        ax.axhline(reference_target, color="grey", ls="--", lw=0.8, label=f"reference target {reference_target:.0f}")
    for name, curve in curves.items():
        minutes = np.array(curve["cpu_seconds"]) / 60
        label = f"ganlab, {LABELS[name]}" + (" (read off the ema run's raw generator)" if "derived" in curve else "")
        line, = ax.plot(minutes, curve["fid"], ".-", label=label)
        if "fid_raw" in curve and "old" not in curves:
            ax.plot(minutes, curve["fid_raw"], ":", color=line.get_color(), label=f"ganlab, {name}: raw generator")
    for t in targets:
        ax.axhline(t, color="black", ls=":", lw=0.6)
    ax.set_xlabel("training CPU time, both cores (minutes)")
    ax.set_ylabel("Fréchet distance (classifier features)")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    fig.savefig(out / "curves.png", dpi=120)
    for name, (images, title) in samples.items():
        fig, ax = plt.subplots(figsize=(8, 4.2), constrained_layout=True)
        plots.image_grid(images, ncols=16, ax=ax, title=title)
        fig.savefig(out / f"samples_{name}.png", dpi=100)
        plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference-epochs", type=int, default=25)
    parser.add_argument("--skip-reference", "--reuse-reference", action="store_true",
                        help="reuse the reference's stored curve (reference.json in --out) instead of training it")
    parser.add_argument("--runs", default="old,recipe", help="ganlab runs, comma-separated: " + ", ".join(RUNS))
    parser.add_argument("--dataset", default="mnist", choices=("mnist", "fashion_mnist"),
                        help="fashion_mnist: no reference; FD on the Fashion-MNIST classifier")
    parser.add_argument("--budget", type=float, default=1800.0, help="training CPU-seconds per ganlab run")
    parser.add_argument("--every", type=float, default=150.0, help="measure every N training CPU-seconds")
    parser.add_argument("--samples", type=int, default=10000, help="generated samples per measurement")
    parser.add_argument("--targets", default="40,20,10")
    parser.add_argument("--append", action="store_true",
                        help="keep the other runs' curves from result.json in --out (run old and new separately)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/time_to_quality"))
    args = parser.parse_args()
    args.targets = [float(t) for t in args.targets.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    lines = []

    def log(line):
        print(line, flush=True)
        lines.append(line)

    test_images, _ = data.load_images(args.dataset, "test")
    stats = metrics.image_statistics(test_images, args.dataset)
    args.machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, TensorFlow {tf.__version__}"
    log(f"machine: {args.machine}; dataset {args.dataset}; budget {args.budget:.0f} CPU-s; FD on {args.samples} "
        f"samples every {args.every:.0f} CPU-s")
    reference, reference_samples, reference_target = None, None, None
    samples = {}
    if args.dataset == "mnist":
        reference, reference_samples, reference_target = reference_part(args, stats, log)
        if reference_samples is not None:
            samples["reference"] = (reference_samples, f"TF tutorial DCGAN after epoch {len(reference['fid'])} "
                                                       f"(FD {reference['fid'][-1]:.0f}, 5,000 samples)")
    earlier = args.out / "result.json"
    curves = json.loads(earlier.read_text())["curves"] if args.append and earlier.exists() else {}
    curves = {name: curve for name, curve in curves.items() if "derived" not in curve}
    for name in curves:
        images = args.out / f"samples_{name}.npy"
        if images.exists():
            samples[name] = (np.load(images), f"ganlab, {LABELS[name]}, after {curves[name]['cpu_seconds'][-1]:.0f} "
                                              f"CPU-s (FD {curves[name]['fid'][-1]:.1f})")
    signal.signal(signal.SIGTERM, lambda *_: STOP.update(asked=True))
    for name in filter(None, args.runs.split(",")):  # --runs "" --append: redo the summary and plots only
        if STOP["asked"]:
            break
        curves[name], images = train_ganlab(name, stats, args, log)
        samples[name] = (images, f"ganlab, {LABELS[name]}, after {curves[name]['cpu_seconds'][-1]:.0f} CPU-s "
                                 f"(FD {curves[name]['fid'][-1]:.1f})")
        np.save(args.out / f"samples_{name}.npy", images)
    curves = old_from_raw(curves)
    raw = args.out / "samples_ema_raw.npy"
    if "derived" in curves.get("old", {}) and raw.exists():
        samples["old"] = (np.load(raw), f"old defaults = the ema run's raw generator, after "
                                        f"{curves['old']['cpu_seconds'][-1]:.0f} CPU-s (FD {curves['old']['fid'][-1]:.1f})")
    summary = summarise(curves, args.targets, reference, reference_target, log)
    draw(curves, reference, reference_target, args.targets, samples, args.out)
    result = {"machine": args.machine, "dataset": args.dataset, "budget_cpu_seconds": args.budget,
              "samples": args.samples, "targets": args.targets, "reference_target": reference_target,
              "summary": summary, "curves": curves}
    (args.out / "result.json").write_text(json.dumps(result, indent=2))
    (args.out / "log.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
