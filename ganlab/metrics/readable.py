"""The readable share: how many samples the shipped classifier reads as one class with confidence.

"About half of the samples are clear digits" is a sentence a notebook should back with a number. A
sample counts as **readable** when all three hold:

1. the classifier of :mod:`ganlab.metrics.classifier` gives one class a probability of at least
   ``PROBABILITY[dataset]`` (0.9 for MNIST, 0.4 for Fashion-MNIST, whose classes overlap more);
2. its 128-d classifier features lie no farther from the nearest of 5,000 real training images' features
   than 99.5% of another 5,000 real training images do (a softmax alone is confidently wrong far from the
   data: uniform noise gets probability 1 for some digit);
3. its pixel statistics (ink: the share of pixels above 0; grey: the share between -0.5 and 0.5; roughness:
   the mean absolute difference of neighbouring pixels) lie within the 0.1st to 99.9th percentiles of the
   same held-out real images': a blank frame, a frame full of blobs, or a grey smudge is not a digit.

Calibration (MNIST, ganlab's classifier): 97.3% of the 10,000 real test digits are readable. Against a
hand count (a sample counted when a person would name its digit at once, without goodwill):

* notebook 02's stored grid "DCGAN samples after 6 epochs" (64 samples, its tiles read back from the
  stored PNG): 36 of 64 by hand (0.56), readable_fraction 0.59;
* the stored sweep of notebook 05 (``ganlab/experiments/results/sweep/samples.npz``), the same samples:
  row 10 (lr G 8e-4, lr D 2e-4, seed 0, FD 195): 7 of 16 by hand (0.44), readable_fraction 0.50;
  row 12 (lr G 1e-4, lr D 8e-4, seed 0, FD 622, grey blobs): 0 of 16 by hand, readable_fraction 0.

Uniform noise, Gaussian noise, smooth blobs and blank frames score 0. Fashion-MNIST's threshold is
calibrated on real test images only (about 97% readable), not against a hand count. Per sample, the
classifier and a person agree about 70% of the time: read the fraction over 64 or more samples.
"""
from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ganlab._checks import one_of
from ganlab.data import load_images
from ganlab.data.images import FILES
from ganlab.metrics import classifier, fidelity
from ganlab.metrics.fidelity import _check_images, features_and_probabilities

# The least top-class probability that counts as confident, per dataset (see the module's docstring).
PROBABILITY = {"mnist": 0.9, "fashion_mnist": 0.4}
REFERENCE_SIZE = 5_000  # real training images whose features a sample must lie near (and as many held out)
DISTANCE_QUANTILE = 99.5  # percent of held-out real images that lie within the distance limit
PIXEL_QUANTILES = (0.1, 99.9)  # percentiles of held-out real images' pixel statistics that bound a sample's


def _pixel_statistics(images: np.ndarray) -> np.ndarray:
    """Per image (n, 3): ink (share of pixels above 0), grey (share strictly between -0.5 and 0.5) and
    roughness (mean absolute difference between horizontally or vertically neighbouring pixels)."""
    flat = images.reshape(len(images), -1)
    ink = (flat > 0).mean(axis=1)
    grey = ((flat > -0.5) & (flat < 0.5)).mean(axis=1)
    roughness = (np.abs(np.diff(images, axis=1)).mean(axis=(1, 2, 3))
                 + np.abs(np.diff(images, axis=2)).mean(axis=(1, 2, 3))) / 2
    return np.stack([ink, grey, roughness], axis=1)


def _nearest_distance(features: np.ndarray, reference: np.ndarray, chunk: int = 500) -> np.ndarray:
    """Euclidean distance (n,) from each row of ``features`` to its nearest row of ``reference``."""
    squared = (reference ** 2).sum(axis=1)
    distances = []
    for start in range(0, len(features), chunk):
        part = features[start:start + chunk]
        d2 = (part ** 2).sum(axis=1)[:, None] + squared[None, :] - 2 * part @ reference.T
        distances.append(np.sqrt(np.maximum(d2.min(axis=1), 0.0)))
    return np.concatenate(distances)


CACHE_ENV = "GANLAB_CACHE_DIR"


def cache_file(dataset: str) -> Path:
    """Where :func:`calibration` keeps its result for ``dataset`` between sessions.

    The folder is ``$GANLAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/ganlab``, else ``~/.cache/ganlab``. The name
    carries a hash of everything the result depends on: this module's and the feature extractor's code, the
    classifiers' checksums and the dataset files' published checksums. Change any of them and the old file is
    simply not found again (delete the folder to reclaim the space).
    """
    folder = os.environ.get(CACHE_ENV) or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ganlab"
    key = hashlib.sha256()
    sources = (Path(__file__), Path(fidelity.__file__), Path(classifier.__file__), classifier.MANIFEST)
    for part in [source.read_bytes() for source in sources] + [repr(sorted(FILES.items())).encode()]:
        key.update(part)
    return Path(folder).expanduser() / f"readable-{dataset}-{key.hexdigest()[:16]}.npz"


def _compute_calibration(dataset: str) -> dict:
    images, _ = load_images(dataset, "train")
    reference, _ = features_and_probabilities(images[:REFERENCE_SIZE], dataset)
    held_out = images[REFERENCE_SIZE:2 * REFERENCE_SIZE]
    held_out_features, _ = features_and_probabilities(held_out, dataset)
    limit = float(np.percentile(_nearest_distance(held_out_features, reference), DISTANCE_QUANTILE))
    low, high = np.percentile(_pixel_statistics(held_out), PIXEL_QUANTILES, axis=0)
    return {"reference": reference, "distance": limit, "pixels": (low, high), "probability": PROBABILITY[dataset]}


@functools.lru_cache(maxsize=4)
def calibration(dataset: str = "mnist", use_cache: bool = True) -> dict:
    """The reference features and limits for ``dataset``, from 10,000 training images.

    Computed once (3-5 s on 2 cores) and kept in :func:`cache_file`, as tools for the Fréchet Inception
    Distance keep the statistics of their reference images; ``use_cache=False`` recomputes without reading
    or writing the file. A folder that cannot be written only costs the time.

    Returns ``{"reference": (5000, 128) features, "distance": limit, "pixels": (low (3,), high (3,)),
    "probability": p}``.
    """
    one_of("dataset", dataset, tuple(PROBABILITY))
    if not use_cache:
        return _compute_calibration(dataset)
    path = cache_file(dataset)
    try:
        with np.load(path) as stored:
            return {"reference": stored["reference"], "distance": float(stored["distance"]),
                    "pixels": (stored["low"], stored["high"]), "probability": PROBABILITY[dataset]}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass  # absent, unreadable or left by an interrupted write: compute it
    result = _compute_calibration(dataset)
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as file:
            temporary = Path(file.name)
            np.savez(file, reference=result["reference"], distance=result["distance"], low=result["pixels"][0],
                     high=result["pixels"][1])
        os.replace(temporary, path)  # atomic: a parallel reader sees the old state or the whole file
    except OSError:
        if temporary is not None:
            temporary.unlink(missing_ok=True)  # a full disk or a vanished folder leaves nothing behind
    return result


def is_readable(images, dataset: str = "mnist") -> np.ndarray:
    """Per sample, whether the classifier reads it as one class with confidence: bool (n,).

    ``images``: (n, 28, 28, 1) or (n, 28, 28) in [-1, 1]. The three tests are in the module's docstring.
    """
    images = _check_images(images)
    limits = calibration(dataset)
    features, probabilities = features_and_probabilities(images, dataset)
    confident = probabilities.max(axis=1) >= limits["probability"]
    near_real = _nearest_distance(features, limits["reference"]) <= limits["distance"]
    pixels = _pixel_statistics(images)
    like_real = np.all((pixels >= limits["pixels"][0]) & (pixels <= limits["pixels"][1]), axis=1)
    return confident & near_real & like_real


def readable_fraction(images, dataset: str = "mnist") -> float:
    """The share of ``images`` (n, 28, 28, 1) in [-1, 1] that the classifier reads as one class with confidence.

    0 for noise or blobs, about 0.97 for real test images; within 0.1 of a hand count of "clear digits" on
    the grids listed in :mod:`ganlab.metrics.readable`. Use 64 samples or more: per sample it agrees with a
    person about 70% of the time.
    """
    return float(np.mean(is_readable(images, dataset)))
