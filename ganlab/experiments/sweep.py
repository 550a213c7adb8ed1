"""How much a DCGAN's result depends on its settings and on its seed (notebook 05).

One point of a sweep is a :class:`Settings`; :func:`run` trains the MNIST DCGAN at that
point for a fixed number of generator steps from one seed and measures it::

    row = run(Settings(generator_lr=4e-4), seed=0, steps=800)
    row["fd"], row["precision"], row["recall"]

:func:`aggregate` groups rows by settings and gives, per point, the mean and the
half-range (half of max - min) over seeds of each measurement; :func:`heatmap` and
:func:`sample_grid` draw them. :class:`SweepExplorer` is the interactive view: pick
settings with dropdowns and see that point's samples and numbers from stored results.
Lucic et al. (2018, "Are GANs created equal?") is the large-scale version of this
experiment: most of the differences between GAN variants were within the spread
that settings and seeds alone produce.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import time
from pathlib import Path

import keras
import numpy as np

from ganlab import data, device, metrics, models
from ganlab.training import GAN

# Everything run() measures; aggregate() summarises each of these over seeds.
MEASURES = ("fd", "precision", "recall", "density", "coverage", "cpu_seconds")
FD_SAMPLES = 2000  # generated samples for the Fréchet distance, and real and fake samples for precision/recall
# The stored sweep ships with the package (package data), so a pip-installed course shows it too.
STORED = Path(__file__).resolve().parent / "results" / "sweep"


@dataclasses.dataclass(frozen=True)
class Settings:
    """One point of the sweep: the settings a DCGAN learner usually tunes, every one pinned.

    ``batch_size`` is the discriminator's minibatch; with ``discriminator_steps`` = k each training
    step reads k x ``batch_size`` real images (``GAN`` splits the batch between its k D updates).
    ``ema_decay`` is ``None``: the sweep measures the trained generator itself, not a moving average.
    """

    generator_lr: float = 2e-4
    discriminator_lr: float = 2e-4
    beta_1: float = 0.5
    batch_size: int = 64
    discriminator_steps: int = 1
    width: int = 32
    ema_decay: float | None = None

    def label(self) -> str:
        return (f"lr G {self.generator_lr:g}, lr D {self.discriminator_lr:g}, beta_1 {self.beta_1:g}, "
                f"batch {self.batch_size}, k {self.discriminator_steps}")


@functools.lru_cache(maxsize=2)
def real_features(n: int = FD_SAMPLES) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Classifier features of the first ``n`` MNIST test images, and the statistics of all 10,000."""
    test, _ = data.load_images("mnist", "test")
    features = metrics.image_features(test)
    return features[:n], (features.mean(axis=0), np.cov(features, rowvar=False))


def build(settings: Settings, seed: int):
    """The compiled ``GAN`` of ``settings`` with its weights and noise drawn from ``seed``."""
    keras.utils.set_random_seed(seed)
    with device.scope():  # the strategy of ganlab.device.setup(): several GPUs train in step
        gan = GAN(models.dcgan_generator(latent_dim=64, width=settings.width),
                  models.dcgan_discriminator(width=settings.width), discriminator_steps=settings.discriminator_steps,
                  ema_decay=settings.ema_decay, seed=seed)
        gan.compile(generator_optimizer=keras.optimizers.Adam(settings.generator_lr, beta_1=settings.beta_1),
                    discriminator_optimizer=keras.optimizers.Adam(settings.discriminator_lr, beta_1=settings.beta_1))
    return gan


def measure(images: np.ndarray) -> dict:
    """FD (against all 10,000 test images' statistics), precision, recall, density and coverage (k = 5,
    against the first len(images) test images) of generated ``images`` (n, 28, 28, 1) in [-1, 1]."""
    fake = metrics.image_features(images)
    real, (mean, covariance) = real_features(len(images))
    scores = metrics.precision_recall_density_coverage(real, fake, k=5)
    return {"fd": metrics.frechet_distance_from_stats(fake.mean(axis=0), np.cov(fake, rowvar=False), mean, covariance),
            "precision": scores.precision, "recall": scores.recall, "density": scores.density,
            "coverage": scores.coverage}


def run(settings: Settings, seed: int, steps: int, fd_samples: int = FD_SAMPLES, grid: int = 16,
        limit: int | None = None) -> dict:
    """Train ``settings``' DCGAN on MNIST for ``steps`` generator steps from ``seed``, and measure it.

    Returns a row: the settings' fields, ``seed``, ``steps``, the measurements of :func:`measure` on
    ``fd_samples`` samples, ``cpu_seconds`` (this process's CPU time for training, which other programs
    on the machine do not inflate) and ``samples``, ``grid`` samples (grid, 28, 28) as uint8.
    """
    gan = build(settings, seed)
    images = data.mnist(batch_size=settings.batch_size * settings.discriminator_steps, seed=seed, limit=limit)
    per_epoch = int(images.cardinality())
    start = time.process_time()
    for epoch in range(-(-steps // per_epoch)):  # whole epochs, the last one cut short
        # initial_epoch carries the epoch count across calls: fit's EpochClock keys the data order on it,
        # so each pass draws a new order instead of repeating epoch 0's.
        gan.fit(images, epochs=epoch + 1, initial_epoch=epoch,
                steps_per_epoch=min(per_epoch, steps - epoch * per_epoch), verbose=0)
    cpu_seconds = time.process_time() - start
    row = dataclasses.asdict(settings) | {"seed": seed, "steps": steps, "cpu_seconds": cpu_seconds}
    row |= measure(gan.sample(fd_samples, seed=1000 + seed))
    samples = gan.sample(grid, seed=0)[..., 0]
    row["samples"] = np.clip((samples + 1) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    return row


# -- over seeds -------------------------------------------------------------------------------------------

def settings_of(row: dict) -> Settings:
    return Settings(**{field.name: row[field.name] for field in dataclasses.fields(Settings)})


def aggregate(rows: list[dict]) -> dict[Settings, dict]:
    """{settings: {measure: (mean, half-range over seeds), "seeds": n}} in the order points first appear."""
    groups: dict[Settings, list[dict]] = {}
    for row in rows:
        groups.setdefault(settings_of(row), []).append(row)
    summary = {}
    for settings, group in groups.items():
        summary[settings] = {"seeds": len(group)}
        for name in MEASURES:
            values = np.array([row[name] for row in group], dtype=float)
            summary[settings][name] = (float(values.mean()), float((values.max() - values.min()) / 2))
    return summary


def table(rows: list[dict], measures=("fd", "precision", "recall")) -> str:
    """A plain-text table: one line per point, each measure as mean ± half-range over seeds."""
    lines = []
    for settings, summary in aggregate(rows).items():
        cells = [f"{name} {summary[name][0]:7.2f} ± {summary[name][1]:5.2f}" if name == "fd" else
                 f"{name} {summary[name][0]:.3f} ± {summary[name][1]:.3f}" for name in measures]
        lines.append(f"{settings.label():58s} " + "  ".join(cells) + f"  ({summary['seeds']} seeds)")
    return "\n".join(lines)


def spread_over_settings_and_seeds(rows: list[dict], measure: str = "fd") -> tuple[float, float]:
    """(range of the per-point means across points, mean half-range over seeds within a point)."""
    summary = aggregate(rows)
    means = [point[measure][0] for point in summary.values()]
    return float(max(means) - min(means)), float(np.mean([point[measure][1] for point in summary.values()]))


# -- storing ----------------------------------------------------------------------------------------------

def save(rows: list[dict], folder, machine: str = "") -> Path:
    """Write ``result.json`` (every row but its samples) and ``samples.npz`` (one uint8 array per row)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plain = [{key: value for key, value in row.items() if key != "samples"} for row in rows]
    (folder / "result.json").write_text(json.dumps({"machine": machine, "rows": plain}, indent=1) + "\n")
    np.savez_compressed(folder / "samples.npz", **{f"row{i}": row["samples"] for i, row in enumerate(rows)})
    return folder / "result.json"


def load(folder=STORED) -> tuple[list[dict], str] | None:
    """The rows stored by :func:`save` (with their samples when ``samples.npz`` is there) and the machine
    they ran on, or ``None`` when the folder has no ``result.json`` (on Colab, or after a pip install)."""
    folder = Path(folder)
    if not (folder / "result.json").exists():
        return None
    stored = json.loads((folder / "result.json").read_text())
    rows = stored["rows"]
    if (folder / "samples.npz").exists():
        with np.load(folder / "samples.npz") as samples:
            for i, row in enumerate(rows):
                if f"row{i}" in samples:
                    row["samples"] = samples[f"row{i}"]
    return rows, stored.get("machine", "")


def one_factor(rows: list[dict], base: Settings, field: str) -> list[dict]:
    """The rows that differ from ``base`` in ``field`` only (``base``'s own rows included)."""
    others = [f.name for f in dataclasses.fields(Settings) if f.name != field]
    return [row for row in rows if all(row[name] == getattr(base, name) for name in others)]
