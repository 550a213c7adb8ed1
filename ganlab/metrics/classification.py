"""Measures that train or read a classifier: the classification accuracy score, label agreement and per-class
Fréchet distances (notebook 06), and the small classifier's training loop they share with
``ganlab.experiments.scarce_labels``."""
from __future__ import annotations

import keras
import numpy as np

from ganlab._checks import positive_int
from ganlab.data.pipeline import array_dataset
from ganlab.metrics.fidelity import features_and_probabilities, frechet_distance_features, image_features
from ganlab.models.conditional import small_classifier
from ganlab.models.networks import predict


def train_classifier(images, labels, steps: int = 1000, batch_size: int = 64, augment: bool = False,
                     learning_rate: float = 1e-3, seed: int = 0, width: int = 32) -> keras.Model:
    """Train ``models.small_classifier`` on (images, labels) for ``steps`` Adam updates; returns the model.

    Batches are drawn in an order fixed by ``seed`` (smaller sets are cycled through);
    ``augment=True`` puts classic augmentation (shifts, rotations, zooms) in front of the network.
    """
    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels)
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"images and labels must be non-empty and of one length, got {len(images)} and {len(labels)}.")
    steps = positive_int("steps", steps, example=1000)
    batch_size = min(positive_int("batch_size", batch_size, example=64), len(images))
    keras.utils.set_random_seed(seed)
    model = small_classifier(int(labels.max()) + 1 if labels.max() >= 9 else 10, images.shape[1:], width=width,
                             augment=augment, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    dataset = array_dataset(images, batch_size, seed=seed, labels=labels.astype(np.int32)).repeat()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)  # the pipeline shuffles
    return model


def classifier_accuracy(model: keras.Model, images, labels, batch_size: int = 2000) -> float:
    """The share of ``images`` that ``model`` (logits) puts in their class ``labels``."""
    images = np.asarray(images, dtype=np.float32)
    logits = predict(model, images, batch_size)
    return float(np.mean(logits.argmax(axis=1) == np.asarray(labels)))


def classification_accuracy_score(generated_images, generated_labels, test_images, test_labels, steps: int = 1000,
                                  batch_size: int = 64, seed: int = 0) -> float:
    """CAS (Ravuri and Vinyals, 2019): test accuracy on real images of a classifier trained on generated ones only.

    A generator whose class-y images look like class y *and* cover class y's variety gives a CAS
    near that of a classifier trained on as many real images; one that draws few, typical images
    per class gives a low CAS even when every image looks right.
    """
    model = train_classifier(generated_images, generated_labels, steps=steps, batch_size=batch_size, seed=seed)
    return classifier_accuracy(model, test_images, test_labels)


def label_agreement(generated_images, generated_labels, dataset: str = "mnist") -> float:
    """The share of generated images that the shipped classifier of ``dataset`` puts in the class they were
    generated for: does G(z, y) draw class y?"""
    _, probabilities = features_and_probabilities(generated_images, dataset)
    return float(np.mean(probabilities.argmax(axis=1) == np.asarray(generated_labels)))


def per_class_frechet_distance(generated_images, generated_labels, real_images, real_labels,
                               dataset: str = "mnist") -> np.ndarray:
    """The Fréchet distance of each class's generated images to that class's real ones: shape (K,).

    Features from the shipped classifier of ``dataset`` (as ``metrics.frechet_distance``). Compare
    classes at equal numbers of images: FD's bias grows as n falls (notebook 05).
    """
    generated_labels, real_labels = np.asarray(generated_labels), np.asarray(real_labels)
    generated = image_features(generated_images, dataset)
    real = image_features(real_images, dataset)
    classes = np.unique(real_labels)
    missing = sorted(set(classes.tolist()) - set(np.unique(generated_labels).tolist()))
    if missing:
        raise ValueError(f"generated_labels has no images of classes {missing}: generate every class.")
    return np.array([frechet_distance_features(generated[generated_labels == c], real[real_labels == c])
                     for c in classes])
