"""Measuring a GAN from its samples.

* :mod:`ganlab.metrics.toy`: toy data: D's distance from 1/2, D*, densities, 1-D Wasserstein (notebook 01);
  the JS divergence, the exact Wasserstein distance between samples, a critic's estimate and gradients (notebook 03).
* :mod:`ganlab.metrics.modes`: mode coverage on the ring, the grid and stacked MNIST (notebook 04).
* :mod:`ganlab.metrics.fidelity`: images (notebook 02): a Fréchet distance and an Inception-style score
  computed with a small MNIST or Fashion-MNIST classifier (:mod:`ganlab.metrics.classifier`).
* :mod:`ganlab.metrics.distribution`: feature arrays (notebook 05): the kernel inception distance (KID),
  precision and recall, density and coverage from k-nearest-neighbour balls, and memorisation (distance
  to the nearest training sample against held-out data); ``image_*`` wrappers take images.
* :mod:`ganlab.metrics.readable`: the readable share, how many samples the classifier reads as one class
  with confidence (calibrated on real images and a hand count): the number behind "how samples look".
"""
from ganlab.metrics.distribution import (KernelDistance, Memorisation, PrecisionRecall,
                                         image_kernel_inception_distance, image_precision_recall_density_coverage,
                                         kernel_inception_distance, memorisation, precision_recall_density_coverage)
from ganlab.metrics.fidelity import (classifier_score, frechet_distance, frechet_distance_by_sample_size,
                                     frechet_distance_features, frechet_distance_from_stats, image_features,
                                     image_statistics)
from ganlab.metrics.modes import Coverage, mode_coverage, stacked_mnist_coverage
from ganlab.metrics.toy import (critic_estimate, distance_from_half, js_divergence, kde_density,
                                layer_gradient_norms, optimal_discriminator, support_grid, wasserstein_1d,
                                wasserstein_empirical)

__all__ = [
    "Coverage", "mode_coverage", "stacked_mnist_coverage",
    "classifier_score", "critic_estimate", "distance_from_half", "js_divergence", "layer_gradient_norms",
    "wasserstein_empirical", "frechet_distance", "frechet_distance_from_stats", "image_statistics",
    "kde_density", "optimal_discriminator", "support_grid", "wasserstein_1d",
    "frechet_distance_by_sample_size", "frechet_distance_features", "image_features",
    "KernelDistance", "kernel_inception_distance", "image_kernel_inception_distance",
    "PrecisionRecall", "precision_recall_density_coverage", "image_precision_recall_density_coverage",
    "Memorisation", "memorisation",
]
from ganlab.metrics.restoration import psnr, ssim

from ganlab.metrics.readable import is_readable, readable_fraction

__all__ += ["psnr", "ssim", "is_readable", "readable_fraction"]
