"""Bias, measured: does a generator trained on a skewed class mix keep, amplify or erase the skew? (notebook 10)

Train on a set where class r is rare (2%, say) and class c common (20%), label the generator's samples
with the shipped classifier (``ganlab.metrics.classifier``) and compare the label histogram with the
training mix. The ratio generated share / training share is 1 when the generator keeps the mix, above 1
when it amplifies a class, below 1 when it shrinks it (and about 0 when it drops a class altogether,
the mode dropping of notebook 04).
"""
from __future__ import annotations

import numpy as np

from ganlab.metrics.fidelity import features_and_probabilities

CLASSES = 10


def class_mix(shares: dict, classes: int = CLASSES) -> np.ndarray:
    """The full mix (classes,): the given ``{class: share}``, the rest shared equally by the other classes."""
    mix = np.full(classes, np.nan)
    for label, share in shares.items():
        if not 0 < share < 1:
            raise ValueError(f"each share must lie strictly between 0 and 1, got {share} for class {label}.")
        mix[int(label)] = share
    given = np.nansum(mix)
    if given >= 1 or len(shares) >= classes:
        raise ValueError(f"the given shares add up to {given:.3g}: leave some of the mix for the other classes.")
    mix[np.isnan(mix)] = (1 - given) / (classes - len(shares))
    return mix


def skewed_indices(labels, shares: dict, n: int | None = None, seed: int = 0) -> np.ndarray:
    """Indices of a subset of ``labels`` whose classes follow ``class_mix(shares)``, shuffled.

    ``n``: the subset's size (default: the largest that the rarest supply of any class allows).
    """
    labels = np.asarray(labels)
    mix = class_mix(shares)
    available = np.bincount(labels, minlength=CLASSES)
    largest = int(np.min(available / mix))
    n = largest if n is None else int(n)
    if n > largest:
        raise ValueError(f"n={n} needs more images of some class than there are; at most {largest}.")
    rng = np.random.default_rng(seed)
    counts = np.round(mix * n).astype(int)
    picked = [rng.choice(np.flatnonzero(labels == c), counts[c], replace=False) for c in range(CLASSES)]
    return rng.permutation(np.concatenate(picked))


def label_histogram(images, dataset: str = "mnist", confidence: float = 0.0) -> np.ndarray:
    """The share of ``images`` the classifier assigns to each class (classes,), summing to 1.

    With ``confidence`` > 0 only samples whose top probability reaches it are counted (the shares are then
    of those samples): readable samples only.
    """
    _, p = features_and_probabilities(images, dataset)
    keep = p.max(axis=1) >= confidence
    if not np.any(keep):
        raise ValueError(f"no sample reaches confidence {confidence}: lower it.")
    return np.bincount(p[keep].argmax(axis=1), minlength=p.shape[1]) / keep.sum()


def amplification(generated_share, training_share):
    """generated share / training share, per class: 1 keeps the mix, > 1 amplifies, < 1 shrinks."""
    return np.asarray(generated_share, np.float64) / np.asarray(training_share, np.float64)
