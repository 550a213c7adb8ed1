"""Image quality from samples: a Fréchet distance and an Inception-style score (notebook 02).

Both use the small classifier of :mod:`ganlab.metrics.classifier` in place of Inception-v3.

* Fréchet distance (Heusel et al., 2017): fit a Gaussian to the 128-d features
  of each image set and compute
  ``||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))``. 0 for identical
  statistics; lower is better. Also from two feature arrays, and at several sample
  sizes to show its 1/n bias.
* Classifier score (the Inception Score of Salimans et al., 2016):
  ``exp(E_x KL(p(y|x) || p(y)))``. Between 1 and the number of classes (10):
  high when each image is confidently one class and all classes are used.
"""
from __future__ import annotations

import numpy as np
from scipy import linalg

from ganlab._checks import positive_int
from ganlab.metrics.classifier import load_classifier


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


def image_features(images, dataset: str = "mnist", batch_size: int = 500) -> np.ndarray:
    """The classifier's 128-d features (n, 128) of images (n, 28, 28, 1) in [-1, 1], for the feature metrics."""
    features, _ = features_and_probabilities(images, dataset, batch_size)
    return features


def image_statistics(images, dataset: str = "mnist") -> tuple[np.ndarray, np.ndarray]:
    """Mean (128,) and covariance (128, 128) of the classifier features of ``images``."""
    features, _ = features_and_probabilities(images, dataset)
    return features.mean(axis=0), np.cov(features, rowvar=False)


# Relative size below which a negative eigenvalue or distance counts as rounding (float64 rounding is ~1e-16;
# covariances accumulated in float32 reach ~1e-7). Anything more negative is a wrong input, reported as such.
_ROUNDING = 1e-6


def _check_covariance(name: str, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (clipped at 0) and eigenvectors of a symmetric positive semi-definite ``sigma``, or raise."""
    if not np.all(np.isfinite(sigma)):
        raise ValueError(f"{name} holds NaN or infinite values: compute it from finite features.")
    scale = np.abs(sigma).max(initial=0.0)
    if np.abs(sigma - sigma.T).max(initial=0.0) > _ROUNDING * scale:
        raise ValueError(f"{name} is not symmetric, so it is not a covariance matrix: "
                         "compute it with np.cov(features, rowvar=False).")
    values, vectors = linalg.eigh((sigma + sigma.T) / 2)
    if values.min(initial=0.0) < -_ROUNDING * max(values.max(initial=0.0), 0.0):
        raise ValueError(f"{name} is not positive semi-definite (eigenvalue {values.min():.3g}, largest "
                         f"{values.max():.3g}), so it is not a covariance matrix: compute it with "
                         "np.cov(features, rowvar=False), from more samples than feature dimensions.")
    return np.clip(values, 0.0, None), vectors


def frechet_distance_from_stats(mu1, sigma1, mu2, sigma2) -> float:
    """The Fréchet distance between the Gaussians N(mu1, sigma1) and N(mu2, sigma2) (Heusel et al., 2017).

    ``||mu1 - mu2||^2 + Tr(sigma1) + Tr(sigma2) - 2 Tr((sigma1 sigma2)^(1/2))`` for means (d,) and
    covariances (d, d); scalars are read as d = 1. The last trace equals the sum of the singular values of
    ``sigma1^(1/2) sigma2^(1/2)`` (the square roots of the eigenvalues of the symmetric
    ``sigma1^(1/2) sigma2 sigma1^(1/2)``), computed here from two ``eigh`` and one SVD: no complex
    ``sqrtm`` of a non-symmetric product, and singular (rank-deficient) covariances need no offset.

    Eigenvalues below 0 by rounding (less than 1e-6 of the largest) are set to 0; a covariance that is
    non-finite, non-symmetric or clearly not positive semi-definite raises ``ValueError``.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(f"statistics must have matching shapes, got {mu1.shape}/{sigma1.shape} "
                         f"and {mu2.shape}/{sigma2.shape}.")
    if mu1.ndim != 1 or sigma1.shape != (len(mu1), len(mu1)):
        raise ValueError(f"statistics must be a mean (d,) and a covariance (d, d), got {mu1.shape} and "
                         f"{sigma1.shape}: use features.mean(axis=0) and np.cov(features, rowvar=False).")
    if not np.all(np.isfinite(mu1)) or not np.all(np.isfinite(mu2)):
        raise ValueError("mu1 or mu2 holds NaN or infinite values: compute the means from finite features.")
    values1, vectors1 = _check_covariance("sigma1", sigma1)
    values2, vectors2 = _check_covariance("sigma2", sigma2)
    root1 = (vectors1 * np.sqrt(values1)) @ vectors1.T
    root2 = (vectors2 * np.sqrt(values2)) @ vectors2.T
    trace_of_root = linalg.svdvals(root1 @ root2).sum()
    scale = np.sum((mu1 - mu2) ** 2) + values1.sum() + values2.sum()
    distance = scale - 2 * trace_of_root
    if distance < -_ROUNDING * scale:  # cannot happen for valid covariances: a bug, not rounding
        raise ValueError(f"the Fréchet distance came out clearly negative ({distance:.3g}); "
                         "check that sigma1 and sigma2 are covariance matrices.")
    return float(max(distance, 0.0))


def _check_features(name: str, features, minimum: int = 2) -> np.ndarray:
    """Return ``features`` as a float64 array (n, d) of finite numbers with n >= minimum, or raise."""
    array = np.asarray(features, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of features (n_samples, n_features), got shape "
                         f"{array.shape}; compute features with ganlab.metrics.image_features.")
    if len(array) < minimum:
        raise ValueError(f"{name} must hold at least {minimum} sample{'s' * (minimum > 1)}, got {len(array)}: "
                         "use more samples (1,000 or more for a stable estimate).")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds NaN or infinite values: check how the features were computed.")
    return array


def _check_same_dimension(**arrays: np.ndarray) -> None:
    """Raise unless all the feature arrays have the same number of columns."""
    dimensions = {name: array.shape[1] for name, array in arrays.items()}
    if len(set(dimensions.values())) > 1:
        listed = ", ".join(f"{name} has {d}" for name, d in dimensions.items())
        raise ValueError(f"the feature arrays must have the same number of features (columns): {listed}. "
                         "Compute all of them with the same classifier.")


def frechet_distance_features(features_a, features_b) -> float:
    """The Fréchet distance between Gaussians fitted to two feature arrays (n_a, d) and (n_b, d).

    It is biased upwards by about 1/n: two samples of the same distribution are at a distance that
    shrinks as they grow (see :func:`frechet_distance_by_sample_size`), so compare values at one n only.
    """
    features_a = _check_features("features_a", features_a)
    features_b = _check_features("features_b", features_b)
    _check_same_dimension(features_a=features_a, features_b=features_b)
    return frechet_distance_from_stats(features_a.mean(axis=0), np.cov(features_a, rowvar=False),
                                       features_b.mean(axis=0), np.cov(features_b, rowvar=False))


def frechet_distance_by_sample_size(features_a, features_b, sizes=(500, 2000, 10000), seed: int = 0
                                    ) -> dict[int, float]:
    """{n: Fréchet distance between n random samples of each set (drawn without replacement)} for n in sizes.

    Shows the bias of the estimate: for two sets from one distribution it falls roughly like 1/n
    (Chong and Forsyth, 2020, "Effectively unbiased FID and Inception Score and where to find them").
    """
    features_a = _check_features("features_a", features_a)
    features_b = _check_features("features_b", features_b)
    _check_same_dimension(features_a=features_a, features_b=features_b)
    rng = np.random.default_rng(positive_int("seed", seed, minimum=0, example=1))
    distances = {}
    for size in sizes:
        size = positive_int("sizes", size, minimum=2, example=1000)
        if size > min(len(features_a), len(features_b)):
            raise ValueError(f"sizes must be at most the smaller set's {min(len(features_a), len(features_b))} "
                             f"samples, got {size}: drop it or pass more features.")
        a = features_a[rng.choice(len(features_a), size, replace=False)]
        b = features_b[rng.choice(len(features_b), size, replace=False)]
        distances[size] = frechet_distance_features(a, b)
    return distances


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
