"""Training runs without a notebook: ``ganlab train``, ``ganlab sample`` and ``ganlab evaluate``.

The same models, data and callbacks as the notebooks, put together for a long run
in a terminal, on a server, or on several machines:

* ``train`` builds a GAN family on a dataset under the right ``tf.distribute``
  strategy (one device, several GPUs, or several machines from ``TF_CONFIG``),
  and trains it with Keras' own callbacks: ``BackupAndRestore`` (a killed run
  started again resumes at the epoch that was cut short), ``TensorBoard``,
  ``CSVLogger``, and ``ModelCheckpoint`` keeping the weights with the best
  Fréchet distance. It writes the generator and a sample grid at the end.
* ``sample`` draws a grid (PNG) or an array (``.npy``) from a saved generator.
* ``evaluate`` measures a saved generator against the test set.

Folder written by ``train`` (``output``)::
    backup/            BackupAndRestore's checkpoint (deleted by Keras when training ends)
    logs/              TensorBoard logs
    history.csv        the losses and the Fréchet distance ("fid") per epoch
    best.weights.h5    the whole GAN at its best Fréchet distance so far
    generator.keras    the generator that samples are drawn from (its weight average, if the GAN keeps one)
                       at the end; best_generator.keras at the best distance
    samples.png        64 samples of the final generator
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ganlab import data, device, metrics, models
from ganlab._checks import one_of, positive_int
from ganlab.training import GAN, WGAN, load_generator
from ganlab.views.callbacks import FrechetDistance
from ganlab.views.plots import grid_canvas

FAMILIES = ("dcgan", "wgan_gp")
DATASETS = ("mnist", "fashion_mnist")


def strategy_from_environment(cpu_replicas: int | None = None) -> tuple[tf.distribute.Strategy, int, int]:
    """(strategy, this worker's index, number of workers).

    With ``TF_CONFIG`` naming several workers, a ``MultiWorkerMirroredStrategy``
    (it must be made before TensorFlow runs anything else); otherwise what
    :func:`ganlab.device.setup` chooses for this machine.
    """
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    workers = config.get("cluster", {}).get("worker", [])
    if len(workers) > 1:
        task = config.get("task", {})
        if task.get("type") != "worker" or not 0 <= int(task.get("index", -1)) < len(workers):
            raise ValueError(f"TF_CONFIG names {len(workers)} workers but its task is {task!r}; give each process "
                             '"task": {"type": "worker", "index": i} with i from 0 to '
                             f"{len(workers) - 1}.")
        return tf.distribute.MultiWorkerMirroredStrategy(), int(task["index"]), len(workers)
    return device.setup(cpu_replicas=cpu_replicas).strategy, 0, 1


def build(family: str, image_shape, width: int, seed: int) -> GAN:
    """A GAN of ``family`` ("dcgan" or "wgan_gp") for images of ``image_shape``, compiled with its defaults."""
    family = one_of("family", family, FAMILIES)
    generator = models.dcgan_generator(image_shape=image_shape, width=width)
    if family == "dcgan":
        gan = GAN(generator, models.dcgan_discriminator(image_shape=image_shape, width=width), seed=seed)
    else:
        gan = WGAN(generator, models.dcgan_critic(image_shape=image_shape, width=width), seed=seed)
    gan.compile()
    return gan


def train(output, family: str = "dcgan", dataset: str = "mnist", epochs: int = 10, batch_size: int = 64,
          width: int = 32, limit: int | None = None, fd_samples: int = 2000,
          seed: int = 0, cpu_replicas: int | None = None, verbose: int = 2) -> GAN:
    """Train ``family`` on ``dataset`` into the folder ``output``; run again after a crash to resume.

    ``batch_size`` is the global batch, split among the replicas; ``limit`` keeps
    only the first ``limit`` training images (shorter epochs, for a trial run).
    The Fréchet distance is measured on ``fd_samples`` samples against as many
    test images at every epoch's end.
    """
    strategy, worker, workers = strategy_from_environment(cpu_replicas)
    family, dataset = one_of("family", family, FAMILIES), one_of("dataset", dataset, DATASETS)
    epochs, batch_size = positive_int("epochs", epochs, example=10), positive_int("batch_size", batch_size)
    output = Path(output)
    chief = worker == 0
    # Only the chief writes the run's files; other workers write theirs to a folder of their own.
    folder = output if chief else output / f".worker{worker}"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"worker {worker} of {workers}: {strategy.num_replicas_in_sync} replicas in sync", flush=True)

    keras.utils.set_random_seed(seed)
    images = data.image_dataset(dataset, batch_size=batch_size, limit=limit, seed=seed)
    reference = _test_images(dataset, max(fd_samples, 2), seed)
    with strategy.scope():
        gan = build(family, tuple(images.element_spec.shape[1:]), width, seed)
    if (folder / "backup").exists():
        print("resuming from the last finished epoch in", folder / "backup", flush=True)
    callbacks = [
        keras.callbacks.BackupAndRestore(str(folder / "backup")),
        FrechetDistance(reference, every=10**9, n_samples=fd_samples,
                        dataset=dataset),  # measured at each epoch's end only
        keras.callbacks.CSVLogger(str(folder / "history.csv"), append=True),
        keras.callbacks.ModelCheckpoint(str(folder / "best.weights.h5"), monitor="fid", mode="min",
                                        save_best_only=True, save_weights_only=True),
        keras.callbacks.TensorBoard(str(folder / "logs")),
    ]
    gan.fit(images, epochs=epochs, callbacks=callbacks, verbose=verbose)
    gan.sampling_generator.save(folder / "generator.keras")  # the weight average, where the GAN keeps one
    _save_grid(gan.sample(64, seed=seed), folder / "samples.png")
    if (folder / "best.weights.h5").exists():
        gan.load_weights(folder / "best.weights.h5")
        gan.sampling_generator.save(folder / "best_generator.keras")
    print(f"worker {worker}: wrote {folder}", flush=True)
    return gan


def _test_images(dataset: str, n: int, seed: int) -> np.ndarray:
    """``n`` test images drawn at random (the test set is ordered: its first 5,000 digits are the neater ones)."""
    images, _ = data.load_images(dataset, split="test")
    return images[np.random.default_rng(seed).permutation(len(images))[:n]]


def _save_grid(images: np.ndarray, path: Path) -> Path:
    import imageio.v3 as iio


    canvas = np.clip(grid_canvas(images, 8) * 255 + 0.5, 0, 255).astype(np.uint8)
    iio.imwrite(path, canvas[..., 0] if canvas.shape[-1] == 1 else canvas)
    return Path(path)


def _generate(generator_path, n: int, seed: int) -> np.ndarray:
    generator = load_generator(generator_path)
    noise = np.random.default_rng(seed).standard_normal((n, generator.input_shape[1])).astype(np.float32)
    return np.concatenate([keras.ops.convert_to_numpy(generator(noise[i:i + 1000], training=False))
                           for i in range(0, n, 1000)])


def sample(generator_path, output, n: int = 64, seed: int = 0) -> Path:
    """Draw ``n`` samples of a saved generator into ``output``: a grid if it ends in .png, else a .npy array."""
    positive_int("n", n, example=64)
    output = Path(output)
    if output.suffix not in (".png", ".npy"):
        raise ValueError(f"output must end in .png (a grid) or .npy (an array), got {output.name!r}.")
    images = _generate(generator_path, n, seed)
    if output.suffix == ".npy":
        np.save(output, images)
        return output
    return _save_grid(images, output)


def evaluate(generator_path, dataset: str = "mnist", n: int = 10000, seed: int = 0) -> dict:
    """Measure ``n`` samples of a saved generator against ``n`` test images of ``dataset``.

    Returns the Fréchet distance, the classifier score, KID (mean and spread over
    subsets) and precision, recall, density and coverage (k = 5), all on the
    features of the dataset's classifier (:mod:`ganlab.metrics`).
    """
    dataset = one_of("dataset", dataset, DATASETS)
    n = positive_int("n", n, minimum=200, example=10000)
    generated = _generate(generator_path, n, seed)
    test = _test_images(dataset, n, seed)
    fake_features, probabilities = metrics.fidelity.features_and_probabilities(generated, dataset)
    real_features = metrics.image_features(test, dataset)
    kid = metrics.kernel_inception_distance(real_features, fake_features, subsets=50,
                                            subset_size=min(1000, n, len(test)), seed=seed)
    quality = metrics.precision_recall_density_coverage(real_features, fake_features, k=5)
    marginal = probabilities.mean(axis=0, keepdims=True)
    kl = np.sum(probabilities * (np.log(probabilities + 1e-12) - np.log(marginal + 1e-12)), axis=1)
    return {"samples": n, "test_images": len(test),
            "frechet_distance": metrics.frechet_distance_features(fake_features, real_features),
            "classifier_score": float(np.exp(kl.mean())), "kid": kid.mean, "kid_std": kid.std,
            "precision": quality.precision, "recall": quality.recall, "density": quality.density,
            "coverage": quality.coverage}
