"""The scarce-label experiment of notebook 06 and ``benchmarks/scarce_labels.py``: one function per method.

With n labelled images per class (the rest of the training set unlabelled), one small
classifier (``models.small_classifier``) is trained on

* ``"labelled"``  (a): the n K labelled images alone;
* ``"augmented"`` (b): the same, with classic augmentation (random shifts, rotations, zooms);
* ``"cgan"``      (c): (b) plus images from a class-conditional GAN trained on the same n K labelled
  images (the only images whose classes are known), half of every batch real, half generated;
* ``"sgan"``      (d): no separate classifier: the K+1-class discriminator of the semi-supervised GAN
  (Salimans et al., 2016), trained on all training images as unlabelled plus the n K labelled ones;
* ``"sgan_d_alone"``: the semi-supervised GAN's discriminator network (the same MLP, noise, weight norm and
  initialisation), trained as a plain classifier on the labelled images alone for as many updates, with as many
  labelled images per update: what the unlabelled images and the generator add to (d).

Each run is scored by its accuracy on the 10,000 test images, and its CPU time is recorded
(``time.process_time``: both cores count, so it is about twice the wall-clock time on an idle two-core machine).
"""
from __future__ import annotations

import dataclasses
import json
import os
import platform
import time
from pathlib import Path

import keras
import numpy as np

from ganlab._checks import one_of, positive_int
from ganlab.data.images import load_images
from ganlab.data.labelled import scarce_labels, semi_supervised_dataset
from ganlab.data.pipeline import array_dataset
from ganlab.experiments.recipes import HoldThenDecay
from ganlab.metrics.classification import classifier_accuracy, train_classifier
from ganlab.models.conditional import (conditional_discriminator, conditional_generator, initialize_weight_norm,
                                       semi_supervised_discriminator, semi_supervised_generator)
from ganlab.training import ConditionalGAN, SemiSupervisedGAN

METHODS = ("labelled", "augmented", "cgan", "sgan", "sgan_d_alone")
METHOD_NAMES = {"labelled": "(a) labelled only", "augmented": "(b) + classic augmentation",
                "cgan": "(c) + cGAN samples", "sgan": "(d) semi-supervised GAN",
                "sgan_d_alone": "(d) without the GAN: its D on the labels alone"}
# The stored benchmark ships with the package (package data), so a pip-installed course shows it too.
RESULTS = Path(__file__).resolve().parent / "results" / "scarce_labels"


@dataclasses.dataclass(frozen=True)
class Budget:
    """Training budgets, in updates. The benchmark's defaults; the notebook's quick mode uses less."""

    classifier_steps: int = 1000
    classifier_batch: int = 64
    cgan_steps: int = 1000
    cgan_batch: int = 32
    cgan_samples_per_class: int = 500
    sgan_steps: int = 3000
    sgan_batch: int = 100
    sgan_learning_rate: float = 1e-3
    sgan_hidden_units: tuple = (500, 250, 250)
    # The long runs' recipe: hold the rate for the first half, then decay it linearly to 0 ("hold_then_decay"),
    # and classify with a moving average of D's weights (its momentum; 0 keeps the trained weights).
    sgan_schedule: str = "constant"
    sgan_average: float = 0.0


def load(name: str, n: int, seed: int, test_limit: int | None = None) -> dict:
    """The training split with n labels per class (``data.scarce_labels``) and the test set (its first
    ``test_limit`` images; ``None``: all 10,000)."""
    if test_limit is not None:
        positive_int("test_limit", test_limit, example=2000)
    split = scarce_labels(name, n, seed)
    split["test_images"], test_labels = load_images(name, "test", limit=test_limit)
    split["test_labels"] = test_labels.astype(np.int32)
    return split


def train_cgan(images, labels, steps: int, batch_size: int = 32, seed: int = 0, kind: str = "projection",
               num_classes: int = 10) -> ConditionalGAN:
    """A conditional GAN (projection discriminator, Adam 2e-4, beta_1 0.5) trained for ``steps`` steps."""
    keras.utils.set_random_seed(seed)
    gan = ConditionalGAN(conditional_generator(num_classes, latent_dim=64, width=32),
                         conditional_discriminator(kind, num_classes, width=32), seed=seed)
    gan.compile()
    batch_size = min(batch_size, len(images))
    pipeline = array_dataset(images, batch_size, seed=seed, labels=np.asarray(labels, np.int32))
    dataset = pipeline.share_epochs(pipeline.repeat())  # so that GAN.fit keys the order by epoch, from 0
    gan.fit(dataset, epochs=1, steps_per_epoch=positive_int("steps", steps, example=1000), verbose=0)
    return gan


def train_sgan(split: dict, budget: Budget, seed: int = 0, discriminator_loss=None, callbacks=None,
               generator_weight_norm: bool = False) -> SemiSupervisedGAN:
    """The semi-supervised GAN of Salimans et al. (2016) on ``split`` (from :func:`load`), for ``budget.sgan_steps``.

    Its discriminator is initialised from 500 training images (weight normalisation's data-dependent start);
    ``budget.sgan_schedule`` and ``budget.sgan_average`` choose the learning-rate schedule and whether D classifies
    with a moving average of its weights (Keras' optimizer EMA, swapped in after training); ``discriminator_loss`` replaces the K+1-class loss (notebook 06), ``callbacks`` go to ``fit``;
    ``generator_weight_norm`` gives the generator's output layer weight normalisation, as in the authors' code."""
    keras.utils.set_random_seed(seed)
    discriminator = semi_supervised_discriminator(hidden_units=budget.sgan_hidden_units)
    initialize_weight_norm(discriminator, split["images"][np.random.default_rng(seed).choice(len(split["images"]), 500,
                                                                                       replace=False)])
    gan = SemiSupervisedGAN(semi_supervised_generator(weight_norm=generator_weight_norm), discriminator, discriminator_loss=discriminator_loss,
                            seed=seed)
    schedule = one_of("sgan_schedule", budget.sgan_schedule, ("constant", "hold_then_decay"))
    average = float(budget.sgan_average)
    if not 0.0 <= average < 1.0:
        raise ValueError(f"sgan_average must be in [0, 1) (a momentum such as 0.999, or 0 for none), got {average}.")

    def rate():  # one schedule object per optimizer: each counts its own updates
        if schedule == "constant":
            return budget.sgan_learning_rate
        return HoldThenDecay(budget.sgan_learning_rate, budget.sgan_steps)

    discriminator_optimizer = (keras.optimizers.Adam(rate(), beta_1=0.5, use_ema=True, ema_momentum=average)
                               if average else keras.optimizers.Adam(rate(), beta_1=0.5))
    gan.compile(keras.optimizers.Adam(rate(), beta_1=0.5), discriminator_optimizer)
    pipeline = semi_supervised_dataset(split["images"], split["labelled_images"], split["labelled_labels"],
                                       batch_size=budget.sgan_batch, seed=seed)
    dataset = pipeline.share_epochs(pipeline.repeat())  # so that GAN.fit keys the order by epoch, from 0
    gan.fit(dataset, epochs=1, steps_per_epoch=budget.sgan_steps, verbose=0, callbacks=callbacks)
    if average:  # classify with the averaged weights, which Adam kept beside the trained ones
        discriminator_optimizer.finalize_variable_values(gan.discriminator.trainable_variables)
    return gan


def train_sgan_d_alone(split: dict, budget: Budget, seed: int = 0) -> keras.Model:
    """The semi-supervised discriminator's network trained on the labelled images alone (cross-entropy over the K
    classes), for ``budget.sgan_steps`` updates of ``budget.sgan_batch`` labelled images; returns its logits model."""
    keras.utils.set_random_seed(seed)
    discriminator = semi_supervised_discriminator(hidden_units=budget.sgan_hidden_units)
    initialize_weight_norm(discriminator, split["images"][np.random.default_rng(seed).choice(len(split["images"]),
                                                                                             500, replace=False)])
    # One input, not the list of one: called on a bare tensor, a list-structured model warns.
    classifier = keras.Model(discriminator.inputs[0], discriminator.outputs[0], name="sgan_d_alone")
    classifier.compile(keras.optimizers.Adam(budget.sgan_learning_rate, beta_1=0.5),
                       keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    images, labels = split["labelled_images"], split["labelled_labels"]
    batches = (array_dataset(images, min(budget.sgan_batch, len(images)), seed=seed, labels=labels).repeat()
               if len(images) >= budget.sgan_batch else
               array_dataset(np.tile(images, (-(-budget.sgan_batch // len(images)), 1, 1, 1)), budget.sgan_batch,
                             seed=seed, labels=np.tile(labels, -(-budget.sgan_batch // len(images)))).repeat())
    classifier.fit(batches, epochs=1, steps_per_epoch=budget.sgan_steps, verbose=0, shuffle=False)
    return classifier


def cgan_training_set(gan: ConditionalGAN, images, labels, per_class: int, seed: int = 0):
    """The labelled images, repeated to as many as the generated ones, plus ``per_class`` generated images of each
    class: half of every classifier batch is then real and half generated."""
    generated_labels = np.repeat(np.arange(gan.num_classes), per_class).astype(np.int32)
    generated = gan.sample(len(generated_labels), seed=seed + 1000, labels=generated_labels)
    repeats = max(1, len(generated) // len(images))
    return (np.concatenate([np.tile(images, (repeats, 1, 1, 1)), generated]),
            np.concatenate([np.tile(labels, repeats), generated_labels]))


def run(name: str, n: int, method: str, seed: int, budget: Budget = Budget(), split: dict | None = None) -> dict:
    """Train one method on one split and measure it: a row with the test accuracy and the CPU and wall time."""
    method = one_of("method", method, METHODS)
    split = split or load(name, n, seed)
    clock = Stopwatch()
    images, labels = split["labelled_images"], split["labelled_labels"]
    steps = budget.classifier_steps
    if method in ("labelled", "augmented"):
        model = train_classifier(images, labels, steps=steps, batch_size=budget.classifier_batch,
                                 augment=method == "augmented", seed=seed)
        accuracy = classifier_accuracy(model, split["test_images"], split["test_labels"])
    elif method == "cgan":
        gan = train_cgan(images, labels, budget.cgan_steps, budget.cgan_batch, seed=seed)
        mixed, mixed_labels = cgan_training_set(gan, images, labels, budget.cgan_samples_per_class, seed)
        model = train_classifier(mixed, mixed_labels, steps=steps, batch_size=budget.classifier_batch, augment=True,
                                 seed=seed)
        accuracy = classifier_accuracy(model, split["test_images"], split["test_labels"])
    elif method == "sgan":
        gan = train_sgan(split, budget, seed)
        steps = budget.sgan_steps
        accuracy = gan.accuracy(split["test_images"], split["test_labels"])
    else:
        steps = budget.sgan_steps
        accuracy = classifier_accuracy(train_sgan_d_alone(split, budget, seed), split["test_images"],
                                       split["test_labels"])
    return {"dataset": name, "labels_per_class": int(n), "method": method, "seed": int(seed),
            "test_accuracy": float(accuracy), "steps": int(steps), **clock.elapsed()}


def machine() -> str:
    """A one-line description of this machine: CPU model, cores, TensorFlow and Keras versions."""
    import tensorflow as tf

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, TensorFlow {tf.__version__}, Keras {keras.__version__}"


def summarise(rows: list[dict]) -> list[dict]:
    """Mean, standard error over seeds and mean CPU seconds per (dataset, labels per class, method)."""
    groups: dict = {}
    for row in rows:
        groups.setdefault((row["dataset"], row["labels_per_class"], row["method"]), []).append(row)
    summary = []
    for (name, n, method), members in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1],
                                                                                 METHODS.index(item[0][2]))):
        accuracies = np.array([m["test_accuracy"] for m in members])
        error = accuracies.std(ddof=1) / np.sqrt(len(accuracies)) if len(accuracies) > 1 else float("nan")
        summary.append({"dataset": name, "labels_per_class": n, "method": method, "seeds": len(members),
                        "mean": float(accuracies.mean()), "standard_error": float(error),
                        "cpu_seconds": float(np.mean([m["cpu_seconds"] for m in members]))})
    return summary


def table(rows: list[dict]) -> str:
    """A markdown table: one line per (dataset, labels per class), test accuracy in % as mean ± s.e. per method."""
    summary = summarise(rows)
    methods = [m for m in METHODS if any(s["method"] == m for s in summary)]
    lines = ["| dataset | labels per class | " + " | ".join(METHOD_NAMES[m] for m in methods) + " |",
             "| --- | --- |" + " --- |" * len(methods)]
    keys = sorted({(s["dataset"], s["labels_per_class"]) for s in summary})
    for name, n in keys:
        cells = []
        for method in methods:
            found = [s for s in summary if (s["dataset"], s["labels_per_class"], s["method"]) == (name, n, method)]
            if not found:
                cells.append("")
                continue
            s = found[0]
            error = "" if np.isnan(s["standard_error"]) else f" ± {100 * s['standard_error']:.1f}"
            seeds = f"{s['seeds']} seed" + ("s" if s["seeds"] != 1 else "")
            cells.append(f"{100 * s['mean']:.1f}{error} ({seeds}, {s['cpu_seconds']:.0f} CPU s)")
        lines.append(f"| {name} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_results(folder=RESULTS):
    """The stored benchmark: (rows, machine, budget), or ``None`` where it is absent (Colab, a pip install)."""
    path = Path(folder) / "result.json"
    if not path.exists():
        return None
    saved = json.loads(path.read_text())
    return saved["rows"], saved["machine"], saved["budget"]


def long_runs(folder=RESULTS / "sgan_long") -> list[dict]:
    """The stored long runs of the semi-supervised GAN (``benchmarks/scarce_labels_long_sgan.py``), each a dict with
    its ``name``, ``seed``, ``budget`` and ``points`` (``steps``, ``cpu_seconds``, ``test_accuracy`` and, where D's
    weights were averaged, ``averaged_accuracy``); ``[]`` where none is stored."""
    return [json.loads(path.read_text()) for path in sorted(Path(folder).glob("*.json"))]


class Stopwatch:
    """CPU seconds (``time.process_time``) and wall-clock seconds since creation, for the benchmark's records."""

    def __init__(self):
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def elapsed(self) -> dict:
        return {"cpu_seconds": time.process_time() - self.cpu, "wall_seconds": time.perf_counter() - self.wall}
