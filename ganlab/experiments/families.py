"""Three families of generative models at equal CPU time, on the same metrics (notebook 10, benchmarks/generative_families.py).

:func:`train_for` trains any ganlab model (a GAN, ``training.VAE``, ``training.Diffusion``) by ``fit`` in
chunks until the process has spent a budget of CPU seconds (``time.process_time``: the work of every
thread of this process, which other programs on the machine do not inflate). :func:`scores` measures
samples the same way for every family: the Fréchet distance, precision, recall, density and coverage
in the shipped classifier's feature space (``ganlab.metrics``), the readable share
(``ganlab.metrics.readable_fraction``), and the memorisation ratio. :func:`seconds_per_image` times sampling.
The longer comparison of ``benchmarks/generative_families.py`` is stored with the package (:data:`STORED`);
:func:`load` reads it and :func:`table` prints it.
"""
from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from ganlab._checks import positive_float, positive_int
from ganlab.metrics.distribution import memorisation, precision_recall_density_coverage
from ganlab.metrics.fidelity import features_and_probabilities, frechet_distance_features
from ganlab.metrics.readable import readable_fraction

STORED = Path(__file__).resolve().parent / "results" / "families"
COLUMNS = ("FD", "precision", "recall", "density", "coverage", "readable", "memorisation")


@dataclasses.dataclass
class Budget:
    """What :func:`train_for` spent: training steps, CPU seconds and wall-clock seconds."""

    steps: int
    cpu_seconds: float
    wall_seconds: float


def train_for(model, dataset, cpu_seconds: float, chunk: int = 50, budget: Budget | None = None) -> Budget:
    """Fit ``model`` on ``dataset`` in chunks of ``chunk`` steps until ``cpu_seconds`` of CPU time are spent.

    The model must be compiled. Each chunk is one ``fit`` epoch (so a resumed count continues the data
    order); the last chunk may overshoot the budget by one chunk's time, which the returned
    :class:`Budget` reports. Pass the ``budget`` of an earlier call to continue it.
    """
    positive_float("cpu_seconds", cpu_seconds)
    positive_int("chunk", chunk, example=50)
    spent = budget or Budget(0, 0.0, 0.0)
    data = dataset.repeat()
    while spent.cpu_seconds < cpu_seconds:
        epoch = spent.steps // chunk
        cpu, wall = time.process_time(), time.perf_counter()
        model.fit(data, epochs=epoch + 1, initial_epoch=epoch, steps_per_epoch=chunk, verbose=0)
        spent.steps += chunk
        spent.cpu_seconds += time.process_time() - cpu
        spent.wall_seconds += time.perf_counter() - wall
        if getattr(model, "diverged", None):
            break
    return spent


def seconds_per_image(sample, n: int = 500) -> float:
    """CPU seconds per image of ``sample(n)`` (a function returning n images), after one warm-up call."""
    positive_int("n", n, example=500)
    sample(min(n, 8))  # traces the functions, so that the timing measures sampling alone
    cpu = time.process_time()
    sample(n)
    return (time.process_time() - cpu) / n


@dataclasses.dataclass(frozen=True)
class Reference:
    """Real images' features, computed once: test images (the distribution) and training images (for memorisation)."""

    test_features: np.ndarray
    train_features: np.ndarray
    held_out_features: np.ndarray
    dataset: str


def reference(test_images, train_images, dataset: str = "mnist") -> Reference:
    """Features of ``test_images`` (scored against) and ``train_images`` (what the models saw).

    The memorisation ratio compares generated samples with held-out real ones: the second half of the test
    images serves as the held-out set, the first half as the distribution's sample.
    """
    test, _ = features_and_probabilities(test_images, dataset)
    train, _ = features_and_probabilities(train_images, dataset)
    half = len(test) // 2
    return Reference(test[:half], train, test[half:], dataset)


def scores(images, ref: Reference, k: int = 5) -> dict:
    """FD, precision, recall, density, coverage, readable share and memorisation ratio of ``images``.

    Compared with ``ref.test_features`` (as many samples as images gives the fairest FD; it falls with n).
    """
    features, _ = features_and_probabilities(images, ref.dataset)
    quality = precision_recall_density_coverage(ref.test_features, features, k=k)
    copied = memorisation(features, ref.train_features, ref.held_out_features)
    return {"FD": frechet_distance_features(ref.test_features, features), "precision": quality.precision,
            "recall": quality.recall, "density": quality.density, "coverage": quality.coverage,
            "readable": readable_fraction(images, ref.dataset), "memorisation": copied.distance_ratio}


def load(dataset: str = "mnist", folder=STORED) -> dict | None:
    """The stored result of ``benchmarks/generative_families.py`` for ``dataset`` ("mnist" or
    "fashion_mnist"), or ``None`` when this installation has none."""
    path = Path(folder) / dataset / "result.json"
    return json.loads(path.read_text()) if path.exists() else None


def table(result: dict) -> str:
    """A markdown table of a stored result: each family's last measurement, its training CPU time and steps,
    and the CPU milliseconds per sampled image; then the diffusion model's quality against DDIM steps."""
    lines = ["| family | CPU s | steps | " + " | ".join(COLUMNS) + " | CPU ms per image |",
             "| --- " * (len(COLUMNS) + 4) + "|"]
    for family, entry in result["families"].items():
        last = entry["curve"][-1]
        lines.append(f"| {family} | {last['cpu_seconds']:.0f} | {last['steps']:,} | "
                     + " | ".join(f"{last[key]:.3g}" for key in COLUMNS) + f" | {entry['ms_per_image']:.2f} |")
    if "real" in result:
        real = result["real"]
        lines.append("| real test images | | | " + " | ".join(f"{real[key]:.3g}" for key in COLUMNS) + " | |")
    ddim = result["families"].get("diffusion", {}).get("ddim")
    if ddim:
        lines += ["", "| DDIM steps | FD | precision | recall | readable | CPU ms per image |", "| --- " * 6 + "|"]
        lines += [f"| {steps} | {row['FD']:.3g} | {row['precision']:.3g} | {row['recall']:.3g} | {row['readable']:.3g} | "
                  f"{row['ms_per_image']:.2f} |" for steps, row in ddim.items()]
    return "\n".join(lines)
