"""Paired tasks built from MNIST and Fashion-MNIST: (condition, target) for image-to-image translation (notebook 08).

* ``"super_resolution"``: the target is the 28x28 image; the condition is that image
  shrunk ``factor`` times by averaging ``factor`` x ``factor`` blocks (7x7 for 4x),
  then brought back to 28x28 by bicubic interpolation, so that the network's input
  and output have the same size (as in SRCNN, Dong et al., 2016). Bicubic alone is
  the classical baseline.
* ``"inpainting"``: the target is the image; the condition has a ``hole`` x ``hole``
  square set to 0 (mid-grey in [-1, 1]) at a random place, and a second channel
  marking the hole (+1 inside, -1 outside), so the network knows which pixels to fill.

Everything is a fixed function of (images, seed): the same call gives the same pairs.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from ganlab._checks import one_of, positive_int
from ganlab.data.images import load_images
from ganlab.data.pipeline import array_dataset

TASKS = ("super_resolution", "inpainting")


def _images(images) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"images must have shape (n, H, W) or (n, H, W, C), got {images.shape}.")
    return images


def downsample(images, factor: int = 4) -> np.ndarray:
    """Average ``factor`` x ``factor`` blocks: (n, H, W, C) -> (n, H / factor, W / factor, C)."""
    images = _images(images)
    factor = positive_int("factor", factor, example=4)
    n, height, width, channels = images.shape
    if height % factor or width % factor:
        raise ValueError(f"factor={factor} must divide the image size {height}x{width}; for 28x28 use 2, 4, 7 or 14.")
    blocks = images.reshape(n, height // factor, factor, width // factor, factor, channels)
    return blocks.mean(axis=(2, 4))


def upsample(images, size=(28, 28), method: str = "bicubic") -> np.ndarray:
    """Resize (n, h, w, C) to (n, *size, C) with ``tf.image.resize`` (bicubic by default), clipped to [-1, 1].

    Bicubic interpolation (Keys, 1981) overshoots at sharp edges, hence the clipping.
    """
    images = _images(images)
    size = tuple(int(s) for s in size)
    out = [tf.image.resize(images[i:i + 2000], size, method=method).numpy() for i in range(0, len(images), 2000)]
    return np.clip(np.concatenate(out), -1.0, 1.0).astype(np.float32)


def hole_masks(n: int, size=(28, 28), hole: int = 14, seed: int = 0) -> np.ndarray:
    """(n, H, W, 1) masks, 1 inside a ``hole`` x ``hole`` square placed uniformly at random, 0 elsewhere."""
    n = positive_int("n", n, example=1000)
    hole = positive_int("hole", hole, example=14)
    height, width = size
    if hole >= min(height, width):
        raise ValueError(f"hole={hole} must be smaller than the image ({height}x{width}); 14 hides a quarter of 28x28.")
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, height - hole + 1, n)
    cols = rng.integers(0, width - hole + 1, n)
    masks = np.zeros((n, height, width, 1), np.float32)
    for i, (r, c) in enumerate(zip(rows, cols)):
        masks[i, r:r + hole, c:c + hole] = 1.0
    return masks


def make_pairs(images, task: str = "super_resolution", factor: int = 4, hole: int = 14,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(conditions, targets) for images (n, 28, 28, 1) in [-1, 1]; see the module's docstring.

    Conditions: (n, 28, 28, 1) for super-resolution, (n, 28, 28, 2) for inpainting
    (masked image, mask as +-1). Targets: the images themselves.
    """
    task = one_of("task", task, TASKS)
    targets = _images(images)
    if task == "super_resolution":
        conditions = upsample(downsample(targets, factor), targets.shape[1:3])
    else:
        masks = hole_masks(len(targets), targets.shape[1:3], hole, seed)
        conditions = np.concatenate([targets * (1.0 - masks), 2.0 * masks - 1.0], axis=-1)
    return conditions.astype(np.float32), targets


def paired_arrays(name: str = "mnist", task: str = "super_resolution", split: str = "train",
                  limit: int | None = None, factor: int = 4, hole: int = 14,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST or Fashion-MNIST and return (conditions, targets) for ``task``, as arrays for evaluation."""
    images, _ = load_images(name, split, limit=limit)
    return make_pairs(images, task, factor=factor, hole=hole, seed=seed)


def paired(name: str = "mnist", task: str = "super_resolution", split: str = "train", batch_size: int = 64,
           limit: int | None = None, factor: int = 4, hole: int = 14, seed: int = 0):
    """A ``tf.data`` pipeline of (condition, target) batches for ``Pix2Pix.fit``, reshuffled each epoch by seed."""
    conditions, targets = paired_arrays(name, task, split, limit, factor, hole, seed)
    return array_dataset(conditions, batch_size, seed=seed, labels=targets)
