"""Image quality from samples: a Fréchet distance and an Inception-style score (notebook 02).

Both use the small classifier of :mod:`ganlab.metrics.classifier` in place of Inception-v3.

* Fréchet distance (Heusel et al., 2017): fit a Gaussian to the 128-d features
  of each image set and compute
  ``||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))``. 0 for identical
  statistics; lower is better.
* Classifier score (the Inception Score of Salimans et al., 2016):
  ``exp(E_x KL(p(y|x) || p(y)))``. Between 1 and the number of classes (10):
  high when each image is confidently one class and all classes are used.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg

from ganlab._checks import positive_int


def _check_images(images) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1):
        raise ValueError(f"images must have shape (n, 28, 28, 1), got {images.shape}.")
    if len(images) < 2:
        raise ValueError("images must hold at least 2 images to estimate statistics (use 1,000 or more).")
    if not np.all(np.isfinite(images)):
        raise ValueError("images contain NaN or infinite values.")
    if images.min() < -1.001 or images.max() > 1.001:
        raise ValueError(f"images must be scaled to [-1, 1], got values in [{images.min():.3g}, {images.max():.3g}]; "
                         "for pixels 0..255 use ganlab.data.to_unit_range.")
    return images


def features_and_probabilities(images, dataset: str = "mnist", batch_size: int = 500):
    """The classifier's 128-d features (n, 128) and class probabilities (n, 10) for images in [-1, 1]."""
    import keras

    from ganlab.metrics.classifier import load_classifier

    images = _check_images(images)
    positive_int("batch_size", batch_size, example=500)
    classifier = load_classifier(dataset)
    extractor = keras.Model(classifier.inputs[0], [classifier.get_layer("features").output, classifier.outputs[0]])
    features, logits = [], []
    for start in range(0, len(images), batch_size):
        f, l = extractor(images[start:start + batch_size], training=False)
        features.append(keras.ops.convert_to_numpy(f))
        logits.append(keras.ops.convert_to_numpy(l))
    logits = np.concatenate(logits).astype(np.float64)
    logits -= logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return np.concatenate(features).astype(np.float64), probabilities


def image_statistics(images, dataset: str = "mnist") -> tuple[np.ndarray, np.ndarray]:
    """Mean (128,) and covariance (128, 128) of the classifier features of ``images``."""
    features, _ = features_and_probabilities(images, dataset)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance_from_stats(mu1, sigma1, mu2, sigma2) -> float:
    """||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 sqrt(sigma1 sigma2)), with scipy.linalg.sqrtm."""
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(f"statistics must have matching shapes, got {mu1.shape}/{sigma1.shape} "
                         f"and {mu2.shape}/{sigma2.shape}.")
    with warnings.catch_warnings():  # a singular product is handled just below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.all(np.isfinite(covmean)):  # singular product: nudge both covariances (as in Heusel et al.'s code)
        offset = np.eye(len(sigma1)) * 1e-6
        covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    covmean = np.real(covmean)  # rounding leaves tiny imaginary parts
    distance = np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)
    return float(max(distance, 0.0))


def frechet_distance(images, reference, dataset: str = "mnist") -> float:
    """The Fréchet distance between two image sets (n, 28, 28, 1) in [-1, 1]; ``reference`` may be (mu, sigma).

    ``dataset`` names the classifier whose features are compared ("mnist" or "fashion_mnist").
    """
    mu1, sigma1 = image_statistics(images, dataset)
    if isinstance(reference, (tuple, list)) and len(reference) == 2 and np.ndim(reference[0]) == 1:
        mu2, sigma2 = reference  # statistics from image_statistics
    else:
        mu2, sigma2 = image_statistics(reference, dataset)
    return frechet_distance_from_stats(mu1, sigma1, mu2, sigma2)


def classifier_score(images, dataset: str = "mnist") -> float:
    """exp(E_x KL(p(y|x) || p(y))): 1 (useless) to 10 (every image one sure class, all classes used)."""
    _, probabilities = features_and_probabilities(images, dataset)
    marginal = probabilities.mean(axis=0, keepdims=True)
    kl = np.sum(probabilities * (np.log(probabilities + 1e-12) - np.log(marginal + 1e-12)), axis=1)
    return float(np.exp(kl.mean()))
