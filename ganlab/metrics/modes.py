"""Counting modes: how much of the data a generator covers, measured as VEEGAN and PacGAN do (notebook 04).

Toy mixtures (the 8-Gaussian ring, the 25-Gaussian grid) have known centres, so
each generated sample can be assigned to its nearest centre and judged by its
distance to it. Stacked MNIST has 1,000 modes (three digits, one per colour
channel) that the MNIST classifier of notebook 02 recognises channel by channel.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ganlab._checks import positive_float
from ganlab.metrics.fidelity import features_and_probabilities


@dataclasses.dataclass(frozen=True)
class Coverage:
    """How a sample covers the modes of a distribution.

    Attributes:
        modes: the number of modes captured (nearest to at least one high-quality sample).
        n_modes: the number of modes the distribution has.
        high_quality: the fraction of samples that count as high quality (toy data:
            within ``n_std`` standard deviations of the nearest centre; stacked MNIST: all).
        kl: the reverse KL divergence KL(q || uniform) of the histogram q of
            high-quality samples over the modes: 0 when all modes are equally
            frequent, log(n_modes) when every sample falls in one mode.
        histogram: the count of high-quality samples per mode.
    """

    modes: int
    n_modes: int
    high_quality: float
    kl: float
    histogram: np.ndarray
    all_samples_count: bool = False  # stacked MNIST: every sample is assigned a mode, no quality filter

    def __str__(self) -> str:
        quality = "" if self.all_samples_count else f"{self.high_quality:.1%} high quality, "
        return f"{self.modes}/{self.n_modes} modes, {quality}reverse KL {self.kl:.3f}"


def reverse_kl_from_uniform(histogram) -> float:
    """KL(q || uniform) for the normalised ``histogram`` q over K bins: sum q log(q K), with 0 log 0 = 0."""
    from scipy import special

    counts = np.asarray(histogram, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or (counts < 0).any():
        raise ValueError(f"histogram must be a 1-D array of non-negative counts, got shape {counts.shape}.")
    if counts.sum() == 0:
        return float(np.log(counts.size))  # nothing landed in any mode: as far from uniform as it gets
    q = counts / counts.sum()
    return float(special.rel_entr(q, np.full_like(q, 1 / q.size)).sum())


def mode_coverage(samples, mixture, n_std: float = 3.0) -> Coverage:
    """Modes captured, high-quality fraction and reverse KL of ``samples`` (n, dim) from a toy ``mixture``.

    The definitions of VEEGAN (Srivastava et al., 2017) and PacGAN (Lin et al.,
    2018): a sample is high quality if it lies within ``n_std`` standard deviations
    (3 in both papers) of its nearest centre; a mode is captured if it is the nearest
    centre of at least one high-quality sample. Both papers use 2,500 samples.
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != mixture.dim or len(samples) == 0:
        raise ValueError(f"samples must have shape (n, {mixture.dim}) for the {mixture.name} mixture, "
                         f"got {samples.shape}.")
    if not np.isfinite(samples).all():
        raise ValueError("samples hold NaN or infinite values: the generator has diverged.")
    n_std = positive_float("n_std", n_std)
    distances = np.linalg.norm(samples[:, None, :] - mixture.centers[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(samples)), nearest] <= n_std * mixture.std
    histogram = np.bincount(nearest[good], minlength=mixture.n_modes)
    return Coverage(modes=int((histogram > 0).sum()), n_modes=mixture.n_modes, high_quality=float(good.mean()),
                    kl=reverse_kl_from_uniform(histogram), histogram=histogram)


def stacked_digits(images, batch_size: int = 500) -> np.ndarray:
    """The three digits (n, 3) that the MNIST classifier reads in the channels of stacked-MNIST ``images``."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[1:] != (28, 28, 3):
        raise ValueError(f"images must be stacked MNIST, shape (n, 28, 28, 3), got {images.shape}.")
    channels = np.concatenate([images[..., c:c + 1] for c in range(3)])  # all reds, then greens, then blues
    _, probabilities = features_and_probabilities(channels, "mnist", batch_size)
    return probabilities.argmax(axis=1).reshape(3, len(images)).T


def stacked_mnist_coverage(images, batch_size: int = 500) -> Coverage:
    """Modes captured (of 1,000) and reverse KL for stacked-MNIST ``images`` (n, 28, 28, 3) in [-1, 1].

    Each channel is classified with ganlab's MNIST classifier; the mode is the
    three-digit number they spell (Metz et al., 2017; VEEGAN; PacGAN). Every
    sample counts (``high_quality`` is 1).
    """
    digits = stacked_digits(images, batch_size)
    histogram = np.bincount(digits @ np.array([100, 10, 1]), minlength=1000)
    return Coverage(modes=int((histogram > 0).sum()), n_modes=1000, high_quality=1.0,
                    kl=reverse_kl_from_uniform(histogram), histogram=histogram, all_samples_count=True)
