"""Throughput: does ganlab's convenience cost speed? And what does the input pipeline cost?

Measures, in one run on one machine, images per second (real images consumed by
training) of:

1. ``GAN.fit`` with ganlab's DCGAN defaults on ganlab's MNIST pipeline;
2. a hand-written ``tf.function`` training loop of the same networks, losses,
   optimizers, batch and data (one discriminator step, then one generator step,
   as ``GAN.train_step`` does), without Keras' fit machinery, metrics or callbacks;
3. the input pipelines alone (ganlab's, and the usual ``cache/shuffle/batch/prefetch``
   chain), to show that data loading is not the bottleneck;
4. ``GAN.fit`` with XLA on and off, and at batch sizes 64, 128 and 256.

Each figure is the median of ``--repeats`` timed runs of ``--steps`` steps after a
warm-up (tracing and compiling excluded). Runs that are compared are interleaved
(A, B, A, B, ...), so that a change in the machine's speed during the run hits
both alike; the ratio is the median of the per-round ratios. Every run is timed
twice: by the wall clock, and by the process's CPU time (images per CPU-second),
which a virtual machine's stolen time and other programs do not inflate; ratios
are given on both.

    python benchmarks/throughput.py
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import ganlab  # before TensorFlow starts: it asks for oneDNN's CPU kernels, as in the notebooks

import keras
import tensorflow as tf

from ganlab import data, losses, models
from ganlab.training import GAN


def fresh_gan(jit_compile=False):
    ganlab.seed(0, deterministic=False)  # determinism would make Keras refuse XLA
    gan = GAN(models.dcgan_generator(), models.dcgan_discriminator())
    gan.compile(jit_compile=jit_compile)
    return gan


def fit_runner(gan, dataset, steps):
    """A function that trains ``steps`` batches with ``GAN.fit`` and returns images per second."""
    gan.fit(dataset.take(10), epochs=1, verbose=0)  # warm-up: trace (and compile)

    def run():
        return timed(lambda: gan.fit(dataset.take(steps), epochs=1, verbose=0),
                     steps * int(dataset.element_spec.shape[0]))

    return run


def timed(work, images):
    """Run ``work()``; return (images per wall-clock second, images per CPU-second of this process)."""
    start, cpu = time.perf_counter(), time.process_time()
    work()
    return images / (time.perf_counter() - start), images / (time.process_time() - cpu)


def hand_written_runner(dataset, steps):
    """The same training, written as a plain tf.function loop; returns a runner like fit_runner's."""
    ganlab.seed(0, deterministic=False)
    generator, discriminator = models.dcgan_generator(), models.dcgan_discriminator()
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    latent = generator.input_shape[1]

    @tf.function
    def step(real):
        n = tf.shape(real)[0]
        fake = generator(tf.random.normal((n, latent)), training=True)
        with tf.GradientTape() as tape:
            loss = losses.discriminator_loss(discriminator(real, training=True), discriminator(fake, training=True))
        d_opt.apply_gradients(zip(tape.gradient(loss, discriminator.trainable_variables),
                                  discriminator.trainable_variables))
        with tf.GradientTape() as tape:
            fake_logits = discriminator(generator(tf.random.normal((n, latent)), training=True), training=True)
            g_loss = losses.non_saturating_generator_loss(fake_logits)
        g_opt.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))

    for batch in dataset.take(10):
        step(batch)

    def loop():
        for batch in dataset.take(steps):
            step(batch)

    def run():
        return timed(loop, steps * int(dataset.element_spec.shape[0]))

    return run


def interleaved(runners: dict, repeats: int) -> tuple[dict, dict]:
    """Run each runner in turn, ``repeats`` rounds, so that drift in the machine's speed hits all alike.

    Returns the wall-clock rates and the CPU-time rates, each {name: [one per round]}.
    """
    wall, cpu = {name: [] for name in runners}, {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            w, c = run()
            wall[name].append(w)
            cpu[name].append(c)
    return wall, cpu


def quartiles(values):
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return f"{q[0]:.3f}-{q[2]:.3f}"


def time_pipeline(dataset, steps):
    """Images per second that ``dataset`` delivers with nothing consuming them."""
    for _ in dataset.take(10):
        pass
    start = time.perf_counter()
    for _ in dataset.take(steps):
        pass
    return steps * int(dataset.element_spec.shape[0]) / (time.perf_counter() - start)


def usual_pipeline(batch_size):
    images, _ = data.load_images("mnist")
    return (tf.data.Dataset.from_tensor_slices(images).cache().shuffle(60000, seed=0)
            .batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=900,
                        help="steps per timed run; about one MNIST epoch at batch 64, so that fit's per-call set-up "
                             "(about 0.8 s here) weighs as it does in real training")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/throughput.json"))
    args = parser.parse_args()
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, TensorFlow {tf.__version__}"
    print(f"machine: {machine}", flush=True)
    results = {"machine": machine, "steps": args.steps, "repeats": args.repeats}

    mnist = data.mnist(batch_size=64)
    wall, cpu = interleaved({"fit": fit_runner(fresh_gan(), mnist, args.steps),
                             "hand_written": hand_written_runner(mnist, args.steps)}, args.repeats)
    for clock, rates in (("wall", wall), ("cpu", cpu)):
        ratios = [a / b for a, b in zip(rates["fit"], rates["hand_written"])]
        results[clock] = {"fit": statistics.median(rates["fit"]), "hand_written": statistics.median(rates["hand_written"]),
                          "ratio": statistics.median(ratios), "ratios": ratios}
        print(f"[{clock} clock] GAN.fit {results[clock]['fit']:.0f} img/s, hand-written loop "
              f"{results[clock]['hand_written']:.0f} img/s, ratio {results[clock]['ratio']:.3f} "
              f"(median of {args.repeats} interleaved rounds, quartiles {quartiles(ratios)}; goal >= 0.95)",
              flush=True)

    results["pipeline_ganlab"] = statistics.median(time_pipeline(mnist, args.steps * 5) for _ in range(3))
    results["pipeline_usual"] = statistics.median(time_pipeline(usual_pipeline(64), args.steps * 5) for _ in range(3))
    print(f"input pipeline alone: ganlab {results['pipeline_ganlab']:.0f} img/s, "
          f"cache/shuffle/batch/prefetch {results['pipeline_usual']:.0f} img/s", flush=True)

    rounds = max(3, args.repeats // 2)
    wall, cpu = interleaved({"off": fit_runner(fresh_gan(jit_compile=False), mnist, args.steps),
                             "on": fit_runner(fresh_gan(jit_compile=True), mnist, args.steps)}, rounds)
    results["xla"] = {clock: {name: statistics.median(v) for name, v in rates.items()}
                      for clock, rates in (("wall", wall), ("cpu", cpu))}
    print(f"GAN.fit with XLA {results['xla']['cpu']['on']:.0f} img/CPU-s ({results['xla']['wall']['on']:.0f} img/s), "
          f"without {results['xla']['cpu']['off']:.0f} img/CPU-s ({results['xla']['wall']['off']:.0f} img/s)",
          flush=True)

    sizes = {batch: fit_runner(fresh_gan(), data.mnist(batch_size=batch), max(args.steps * 64 // batch, 20))
             for batch in (64, 128, 256)}
    wall, cpu = interleaved(sizes, rounds)
    results["batch_sizes"] = {batch: {"wall": statistics.median(wall[batch]), "cpu": statistics.median(cpu[batch])}
                              for batch in sizes}
    for batch, rate in results["batch_sizes"].items():
        print(f"GAN.fit at batch {batch}: {rate['cpu']:.0f} img/CPU-s ({rate['wall']:.0f} img/s)", flush=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
