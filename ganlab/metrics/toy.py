"""Measuring a GAN: how far D is from 1/2, and how far p_g is from p_data (toy data).

Every number here is computed from samples or from the trained networks, never
assumed. Notebook 01 uses the 1-D measures; later notebooks add image metrics.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from ganlab._checks import positive_int


def kde_density(samples: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Estimate the density of 1-D ``samples`` (n,) or (n, 1) at ``points`` with a Gaussian KDE (Scott's bandwidth)."""
    samples = np.asarray(samples, dtype=np.float64).ravel()
    if samples.size < 2 or np.std(samples) == 0:
        raise ValueError("samples must hold at least two distinct values to estimate a density "
                         "(a generator that outputs one constant has collapsed completely).")
    return stats.gaussian_kde(samples)(np.asarray(points, dtype=np.float64).ravel())


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Goodfellow et al., 2014, Proposition 1).

    Where both densities are 0 D* is undefined; it is returned as 1/2 there.
    """
    p_data, p_g = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def support_grid(mixture, n: int = 400, width: float = 4.0) -> np.ndarray:
    """Points (n,) covering the support of a 1-D mixture: every mode +- ``width`` standard deviations."""
    positive_int("n", n, example=400)
    centers = mixture.centers[:, 0]
    return np.linspace(centers.min() - width * mixture.std, centers.max() + width * mixture.std, n)


def distance_from_half(gan, mixture, n: int = 400) -> float:
    """Mean |D(x) - 1/2| over the data, weighted by p_data: 0 at the equilibrium, 1/2 at most.

    Computed on a grid over the support of a 1-D ``mixture`` from the trained
    discriminator, so it measures how well D can still tell real from fake
    where the real data lives.
    """
    xs = support_grid(mixture, n)
    weights = mixture.density(xs)
    return float(np.sum(np.abs(gan.discriminate(xs) - 0.5) * weights) / np.sum(weights))


def wasserstein_1d(samples: np.ndarray, reference: np.ndarray) -> float:
    """The 1-D Wasserstein-1 (earth mover's) distance between two samples (scipy.stats)."""
    return float(stats.wasserstein_distance(np.ravel(samples), np.ravel(reference)))
