"""Measuring a GAN from its samples.

* :mod:`ganlab.metrics.toy`: toy data (notebook 01): D's distance from 1/2, D*, densities, 1-D Wasserstein.
* :mod:`ganlab.metrics.fidelity`: images (notebook 02): a Fréchet distance and an Inception-style score
  computed with a small MNIST or Fashion-MNIST classifier (:mod:`ganlab.metrics.classifier`).
"""
from ganlab.metrics.fidelity import classifier_score, frechet_distance, frechet_distance_from_stats, image_statistics
from ganlab.metrics.toy import (distance_from_half, kde_density, optimal_discriminator, support_grid,
                                wasserstein_1d)

__all__ = [
    "classifier_score", "distance_from_half", "frechet_distance", "frechet_distance_from_stats", "image_statistics",
    "kde_density", "optimal_discriminator", "support_grid", "wasserstein_1d",
]
