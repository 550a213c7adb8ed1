"""Is mixed precision (and XLA) correct and faster on this GPU? Run it on any GPU, Colab's T4 included.

ganlab trains in float32 unless asked (``ganlab.device.setup(precision="mixed")``).
This script measures what opting in would change, on ganlab's DCGAN:

1. **Correctness.** From the same weights and the same batch, under each policy:
   the discriminator loss, the R1 penalty and the WGAN-GP gradient penalty (both
   need gradients with respect to the input images, whose dtype mixed precision
   changes) and the penalties' gradients with respect to D's weights. Each is
   compared with float32 as a relative error. Then a short training run: are the
   losses finite?
2. **Speed.** Images per second of ``GAN.fit`` under each setting (float32, mixed,
   and each with XLA), interleaved round by round, median of the per-round ratios
   against float32.

Prints a table and writes ``benchmarks/results/precision/<device>.json``. On a
machine without a GPU or TPU it refuses unless ``--allow-cpu`` is given (a smoke
test: half precision on a CPU is slow, and says nothing about GPUs).

    python benchmarks/precision.py                  # on a GPU (Colab: Runtime > Change runtime type > T4 GPU)
    python benchmarks/precision.py --allow-cpu --steps 3 --repeats 1 --width 8   # a quick smoke test
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import ganlab  # first: it quietens TensorFlow's start-up lines
import keras
import numpy as np
import tensorflow as tf
from ganlab import data, losses, models
from ganlab.training import GAN

RESULTS = Path(__file__).resolve().parent / "results" / "precision"
TOLERANCE = 1e-2  # relative error allowed against float32 for a half-precision computation


def accelerator() -> tuple[str, str]:
    """('GPU' or 'TPU' or 'CPU', a name for the device)."""
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return "GPU", tf.config.experimental.get_device_details(gpus[0]).get("device_name", gpus[0].name)
    if tf.config.list_logical_devices("TPU"):
        return "TPU", "TPU"
    return "CPU", platform.processor() or platform.machine()


def build(policy: str, width: int, weights=None):
    """G, D and a WGAN critic built under ``policy``, with the given float32 weights copied in."""
    keras.mixed_precision.set_global_policy(policy)
    ganlab.seed(0, deterministic=False)
    nets = (models.dcgan_generator(width=width), models.dcgan_discriminator(width=width),
            models.dcgan_critic(width=width))
    if weights is not None:
        for net, values in zip(nets, weights):
            net.set_weights(values)
    return nets


def correctness(policy: str, width: int, weights, real, noise) -> dict:
    """The losses, penalties and penalty gradients under ``policy``, as float64 NumPy values."""
    generator, discriminator, critic = build(policy, width, weights)
    fake = tf.cast(generator(noise, training=False), tf.float32)
    out = {"d_loss": float(losses.discriminator_loss(discriminator(real, training=False),
                                                     discriminator(fake, training=False)))}
    for name, net, penalty in (("r1", discriminator, lambda: losses.r1_penalty(discriminator, real, 10.0)),
                               ("gp", critic, lambda: losses.gradient_penalty(critic, real, fake, 10.0,
                                                                               seed=tf.constant([0, 1], tf.int64)))):
        with tf.GradientTape() as tape:
            value = tf.cast(penalty(), tf.float32)
        gradients = tape.gradient(value, net.trainable_variables)
        out[name] = float(value)
        # weights that do not reach the input gradient (the last bias, say) have none: count them as zeros
        out[name + "_grad"] = np.concatenate([np.zeros(v.shape).ravel() if g is None else
                                              tf.reshape(tf.cast(g, tf.float32), [-1]).numpy()
                                              for g, v in zip(gradients, net.trainable_variables)])
    return out


def relative_error(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-12))


def training_runner(policy: str, jit: bool, width: int, dataset, steps: int):
    """A GAN under ``policy``: trained a few steps to warm up; returns (run() -> images/s, finite losses?)."""
    keras.mixed_precision.set_global_policy(policy)
    ganlab.seed(0, deterministic=False)
    gan = GAN(models.dcgan_generator(width=width), models.dcgan_discriminator(width=width), r1_weight=1.0)
    gan.compile(jit_compile=jit)
    history = gan.fit(dataset.take(max(steps, 3)), epochs=1, verbose=0).history
    finite = all(np.isfinite(values[-1]) for values in history.values())
    batch = int(dataset.element_spec.shape[0])

    def run():
        start = time.perf_counter()
        gan.fit(dataset.take(steps), epochs=1, verbose=0)
        return steps * batch / (time.perf_counter() - start)

    return run, finite


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200, help="training steps per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--width", type=int, default=32, help="the DCGAN's width")
    parser.add_argument("--allow-cpu", action="store_true", help="run without a GPU or TPU (a smoke test)")
    parser.add_argument("--output", type=Path, default=None, help="where to write the JSON result")
    args = parser.parse_args(argv)
    kind, name = accelerator()
    if kind == "CPU" and not args.allow_cpu:
        parser.error("no GPU or TPU found: this benchmark measures accelerators. Run it on a GPU machine (on Colab: "
                     "Runtime > Change runtime type > T4 GPU), or pass --allow-cpu for a smoke test.")
    mixed = "mixed_bfloat16" if kind == "TPU" else "mixed_float16"
    print(f"{kind}: {name} | TensorFlow {tf.__version__}, Keras {keras.__version__}")

    rng = np.random.default_rng(0)
    real = tf.constant(rng.uniform(-1, 1, (args.batch_size, 28, 28, 1)).astype(np.float32))
    noise = tf.constant(rng.standard_normal((args.batch_size, 64)).astype(np.float32))
    reference_weights = [net.get_weights() for net in build("float32", args.width)]
    reference = correctness("float32", args.width, reference_weights, real, noise)
    candidate = correctness(mixed, args.width, reference_weights, real, noise)
    errors = {key: relative_error(candidate[key], reference[key]) for key in reference}
    print(f"\n{mixed} against float32, same weights and batch (relative error; allowed {TOLERANCE}):")
    for key, error in errors.items():
        print(f"  {key:8s} {error:10.2e}  {'ok' if error <= TOLERANCE else 'TOO LARGE'}")

    dataset = data.mnist(batch_size=args.batch_size)
    settings = [("float32", False), (mixed, False), ("float32", True), (mixed, True)]
    runners, finite, speeds = {}, {}, {s: [] for s in settings}
    for setting in settings:
        try:
            runners[setting], finite[setting] = training_runner(*setting, args.width, dataset, args.steps)
        except Exception as error:  # noqa: BLE001 - a setting that cannot run is a result, reported as such
            print(f"{setting[0]}, XLA {'on' if setting[1] else 'off'}: could not train ({type(error).__name__}: "
                  f"{str(error)[:200]})")
    for _ in range(args.repeats):
        for setting, run in runners.items():
            speeds[setting].append(run())
    keras.mixed_precision.set_global_policy("float32")

    base = speeds[("float32", False)]
    print(f"\ntraining: images per second (median of {args.repeats} interleaved rounds), ratio to float32 without XLA")
    rows = []
    for setting, values in speeds.items():
        if not values:
            continue
        ratio = statistics.median(v / b for v, b in zip(values, base))
        rows.append({"policy": setting[0], "xla": setting[1], "images_per_second": statistics.median(values),
                     "ratio": ratio, "finite_losses": bool(finite[setting])})
        print(f"  {setting[0]:15s} XLA {'on ' if setting[1] else 'off'}  {statistics.median(values):9.0f}  "
              f"x{ratio:.2f}  losses {'finite' if finite[setting] else 'NOT FINITE'}")
    correct = all(e <= TOLERANCE for e in errors.values()) and all(r["finite_losses"] for r in rows)
    print(f"\n{mixed}: {'correct within tolerance' if correct else 'NOT correct'} on this {kind}.")
    result = {"device": name, "kind": kind, "tensorflow": tf.__version__, "keras": keras.__version__,
              "steps": args.steps, "repeats": args.repeats, "batch_size": args.batch_size, "width": args.width,
              "relative_errors": errors, "training": rows, "correct": correct}
    output = args.output or RESULTS / f"{kind.lower()}_{''.join(c if c.isalnum() else '_' for c in name)}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2))
    print(f"written to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
