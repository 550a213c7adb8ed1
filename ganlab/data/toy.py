"""Toy distributions with known modes: a 1-D Gaussian mixture, the 8-Gaussian
ring and the 25-Gaussian grid.

Each is a :class:`GaussianMixture` whose centres and standard deviation are
public, so that the density is known exactly (for the optimal discriminator
D* in notebook 01) and modes can be counted (notebook 04). Samplers are seeded
NumPy code: the same seed gives the same points on every machine.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ganlab._checks import positive_float, positive_int
from ganlab.data.pipeline import array_dataset


@dataclasses.dataclass(frozen=True)
class GaussianMixture:
    """An isotropic Gaussian mixture: ``centers`` (modes, dim), one ``std``, and ``weights`` summing to 1."""

    centers: np.ndarray
    std: float
    weights: np.ndarray
    name: str = "mixture"

    @property
    def dim(self) -> int:
        """The dimension of a sample (1 for the 1-D mixture, 2 for ring and grid)."""
        return int(self.centers.shape[1])

    @property
    def n_modes(self) -> int:
        return int(self.centers.shape[0])

    def sample(self, n: int, seed: int | None = 0) -> np.ndarray:
        """Draw ``n`` points, float32 of shape (n, dim). The same seed gives the same points."""
        positive_int("n", n, example=1000)
        rng = np.random.default_rng(seed)
        modes = rng.choice(self.n_modes, size=n, p=self.weights)
        points = self.centers[modes] + self.std * rng.standard_normal((n, self.dim))
        return points.astype(np.float32)

    def density(self, x: np.ndarray) -> np.ndarray:
        """The probability density at ``x`` (shape (n, dim) or, for 1-D, (n,)); returns shape (n,)."""
        x = np.asarray(x, dtype=np.float64)
        if self.dim == 1 and x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"x must have shape (n, {self.dim}), got {x.shape}.")
        squared = ((x[:, None, :] - self.centers[None, :, :]) ** 2).sum(-1)
        norm = (2 * np.pi * self.std**2) ** (self.dim / 2)
        return (self.weights[None, :] * np.exp(-squared / (2 * self.std**2)) / norm).sum(1)

    def dataset(self, batch_size: int, n_samples: int = 100_000, seed: int = 0):
        """A ``tf.data`` pipeline over ``n_samples`` points drawn once, reshuffled each epoch."""
        return array_dataset(self.sample(n_samples, seed=seed), batch_size=batch_size, seed=seed)


def _mixture(centers, std, weights, name) -> GaussianMixture:
    centers = np.asarray(centers, dtype=np.float64)
    weights = np.full(len(centers), 1 / len(centers)) if weights is None else np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(centers),) or np.any(weights < 0) or not np.isclose(weights.sum(), 1):
        raise ValueError(f"weights must be {len(centers)} non-negative numbers summing to 1, got {weights.tolist()}.")
    return GaussianMixture(centers=centers, std=positive_float("std", std), weights=weights, name=name)


def mixture_1d(means=(-2.0, 2.0), std: float = 0.5, weights=None) -> GaussianMixture:
    """A 1-D mixture of Gaussians with the given means and one standard deviation."""
    means = np.atleast_1d(np.asarray(means, dtype=np.float64))
    if means.ndim != 1 or means.size == 0:
        raise ValueError(f"means must be a non-empty sequence of numbers, got {means!r}.")
    return _mixture(means[:, None], std, weights, "1-D mixture")


def ring(n_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> GaussianMixture:
    """``n_modes`` Gaussians evenly spaced on a circle.

    The defaults (8 modes, radius 1, std 0.01) are those of PacGAN's code
    (Lin et al., 2018); VEEGAN (Srivastava et al., 2017) used radius 2, std 0.02.
    """
    positive_int("n_modes", n_modes, example=8)
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    centers = positive_float("radius", radius) * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return _mixture(centers, std, None, f"{n_modes}-Gaussian ring")


def grid(n_per_side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
    """An ``n_per_side`` x ``n_per_side`` grid of Gaussians centred on 0.

    The defaults give the 25 centres {-4, -2, 0, 2, 4}^2 with std 0.05 used by
    VEEGAN and PacGAN.
    """
    positive_int("n_per_side", n_per_side, example=5)
    axis = (np.arange(n_per_side) - (n_per_side - 1) / 2) * positive_float("spacing", spacing)
    xs, ys = np.meshgrid(axis, axis, indexing="ij")
    centers = np.stack([xs.ravel(), ys.ravel()], axis=1)
    return _mixture(centers, std, None, f"{n_per_side**2}-Gaussian grid")
