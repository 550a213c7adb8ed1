"""Time to quality: ganlab's DCGAN against the TensorFlow DCGAN tutorial's, on the same machine, in one run.

The reference is the architecture and settings published in TensorFlow's DCGAN
tutorial (tensorflow.org/tutorials/generative/dcgan): generator Dense(7*7*256)
-> ConvT(128, 5, stride 1) -> ConvT(64, 5, stride 2) -> ConvT(1, 5, stride 2, tanh)
with batch norm and LeakyReLU; discriminator Conv(64, 5, stride 2) -> Conv(128, 5,
stride 2) with LeakyReLU and dropout 0.3 -> Dense(1); batch 256, Adam 1e-4 for
both, noise dimension 100, binary cross-entropy on logits, one simultaneous
update of both networks per step. It is rebuilt here from that description.

Both are trained on MNIST and measured with the same Fréchet distance (ganlab's
MNIST classifier features, the same number of samples, fixed noise). The target
is the median distance of the reference's last three epochs (its distance swings
from epoch to epoch). Reported: the training time each needs to first reach the
target (measurement time excluded), and their ratio. Time is counted twice: as
wall-clock seconds, and as the process's CPU seconds (both cores together), which
stay honest if anything else runs on the machine; the ratio is taken on CPU time.

    python benchmarks/time_to_quality.py                      # the full run: 25 reference epochs
    python benchmarks/time_to_quality.py --reference-epochs 3 # a short run
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import layers

import ganlab
from ganlab import callbacks, data, metrics, models, plots
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


def train_ganlab(target, max_seconds, reference_stats, n_samples, every, log):
    """ganlab's DCGAN with its defaults, measured every `every` steps until it reaches the target or the budget."""
    ganlab.seed(0)
    gan = GAN(models.dcgan_generator(), models.dcgan_discriminator())
    gan.compile()
    callback = callbacks.FrechetDistance(reference_stats, every=every, n_samples=n_samples)

    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if callback.steps and callback.steps[-1] == callback._step:
                log(f"ganlab step {callback._step:6d}: {callback.seconds[-1]:7.1f} s wall, "
                    f"{callback.cpu_seconds[-1]:7.1f} s CPU, FD {callback.values[-1]:.2f}")
                if callback.values[-1] <= target or callback.cpu_seconds[-1] > max_seconds:
                    self.model.stop_training = True

    gan.fit(data.mnist(batch_size=64), epochs=1000, callbacks=[callback, Stop()], verbose=0)
    curve = {"seconds": callback.seconds, "cpu_seconds": callback.cpu_seconds, "fid": callback.values,
             "steps": callback.steps}
    return curve, gan.sample(64, seed=123)


def time_to(curve, target, clock="cpu_seconds"):
    for seconds, fid in zip(curve[clock], curve["fid"]):
        if fid <= target:
            return seconds
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference-epochs", type=int, default=25)
    parser.add_argument("--samples", type=int, default=5000, help="generated samples per measurement")
    parser.add_argument("--every", type=int, default=200, help="ganlab: measure every N steps")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/time_to_quality"))
    parser.add_argument("--reuse-reference", action="store_true",
                        help="take the reference's curve from an earlier result.json in --out (same machine only)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    lines = []

    def log(line):
        print(line, flush=True)
        lines.append(line)

    test_images, _ = data.load_images("mnist", "test")
    reference_stats = metrics.image_statistics(test_images)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, TensorFlow {tf.__version__}"
    log(f"machine: {machine}")

    if args.reuse_reference:
        earlier = json.loads((args.out / "result.json").read_text())
        reference, reference_samples = earlier["reference_curve"], np.load(args.out / "reference_samples.npy")
        log(f"reference curve reused from {args.out / 'result.json'} ({earlier['machine']})")
    else:
        reference, reference_samples = train_reference(args.reference_epochs, reference_stats, args.samples, log)
        np.save(args.out / "reference_samples.npy", reference_samples)
    last = reference["fid"][-3:]
    target = float(np.median(last))
    reference_time, reference_wall = time_to(reference, target), time_to(reference, target, "seconds")
    log(f"target FD (median of the reference's last {len(last)} epochs): {target:.2f}, reached by the reference "
        f"after {reference_time:.1f} s CPU ({reference_wall:.1f} s wall)")

    ours, our_samples = train_ganlab(target, max_seconds=reference_time, reference_stats=reference_stats,
                                     n_samples=args.samples, every=args.every, log=log)
    our_time, our_wall = time_to(ours, target), time_to(ours, target, "seconds")
    ratio = None if our_time is None else our_time / reference_time
    wall_ratio = None if our_wall is None else our_wall / reference_wall
    if our_time is None:
        log("ganlab did not reach the target within the reference's time")
    else:
        log(f"ganlab reached FD {target:.2f} after {our_time:.1f} s CPU ({our_wall:.1f} s wall)")
        log(f"ratio ganlab / reference time to the same distance: {ratio:.3f} on CPU time, "
            f"{wall_ratio:.3f} on wall-clock time (goal <= 0.2)")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
    ax.plot(np.array(reference["cpu_seconds"]) / 60, reference["fid"], "o-", label="TF tutorial DCGAN (reference)")
    ax.plot(np.array(ours["cpu_seconds"]) / 60, ours["fid"], ".-", label="ganlab DCGAN (defaults)")
    ax.axhline(target, color="grey", ls="--", lw=0.8, label=f"target {target:.1f}")
    ax.set_xlabel("training CPU time, both cores (minutes)")
    ax.set_ylabel("Fréchet distance (MNIST classifier features)")
    ax.set_yscale("log")
    ax.legend()
    fig.savefig(args.out / "curves.png", dpi=120)
    titles = {"reference": f"reference after its last epoch (FD {reference['fid'][-1]:.1f})",
              "ganlab": f"ganlab when it stopped (FD {ours['fid'][-1]:.1f})"}
    for name, samples in (("reference", reference_samples), ("ganlab", our_samples)):
        fig, ax = plt.subplots(figsize=(8, 4.2), constrained_layout=True)
        plots.image_grid(samples, ncols=16, ax=ax, title=titles[name])
        fig.savefig(args.out / f"samples_{name}.png", dpi=100)
    result = {"machine": machine, "reference_epochs": args.reference_epochs, "samples": args.samples,
              "target": target, "reference_cpu_seconds": reference_time, "ganlab_cpu_seconds": our_time,
              "reference_wall_seconds": reference_wall, "ganlab_wall_seconds": our_wall, "ratio": ratio,
              "wall_ratio": wall_ratio,
              "reference_curve": reference, "ganlab_curve": ours}
    (args.out / "result.json").write_text(json.dumps(result, indent=2))
    (args.out / "log.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
