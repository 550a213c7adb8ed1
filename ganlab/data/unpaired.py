"""Two unpaired domains with a known answer, built from MNIST (notebook 09).

Domain A is MNIST as it is: thin white chalk-like strokes with grey edges on black. Domain B,
by default, is the same digits written with a **marker on paper** (:func:`marker`), a fixed
function of each image:

    stroke = pixels brighter than mid-grey (the digit's ink, binarised)
    thick  = stroke dilated by a 3x3 square (every pixel next to the ink)
    marker = black (-1) where thick, white (+1) elsewhere: bold dark strokes on a light page

Why this style: a person sees it at once, and so does a discriminator: an untouched A image
(white strokes on black) looks nothing like B, so a translator that does nothing is rejected
from the first step. It keeps the digit (a classifier can read it); it is local, so a 28x28
U-Net can learn both directions (each output pixel depends on a 3x3 neighbourhood of the
input); and it **loses** details of A that B does not show: the grey levels at the edges of
the strokes (binarised away) and the exact stroke width. A translator B -> A must guess them,
which is what lets notebook 09 detect a translator A -> B that hides them.

``style="outline"`` gives the hollow outlines of :func:`outline` instead (white outlines on
black): close to A, so close that CycleGAN's translators can stay near the identity.

For training, A and B come from **disjoint halves** of the training set (shuffled by
``seed``): no image in A has its partner in B, so nothing pairs them. On the test set
every A image keeps its true B partner, to measure translations against the answer.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf
from scipy import ndimage

from ganlab._checks import one_of, positive_int
from ganlab.data.images import load_images
from ganlab.data.pipeline import EpochPipeline

STYLES = ("marker", "outline")


def _disc(radius: int) -> np.ndarray:
    offsets = np.arange(-radius, radius + 1)
    return offsets[:, None] ** 2 + offsets[None, :] ** 2 <= radius**2 + 0.5


def outline(images, radius: int = 2) -> np.ndarray:
    """Domain B of an A image: (n, H, W, 1) in [-1, 1] -> hollow outlines (n, H, W, 1), +1 on the outline, -1 elsewhere."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] != 1:
        raise ValueError(f"images must have shape (n, H, W, 1), grey digits in [-1, 1]; got {images.shape}.")
    radius = positive_int("radius", radius, example=2)
    stroke = images[..., 0] > 0
    thick = ndimage.binary_dilation(stroke, structure=_disc(radius)[None])
    return np.where(thick & ~stroke, 1.0, -1.0).astype(np.float32)[..., None]


def marker(images, width: int = 1) -> np.ndarray:
    """Domain B of an A image: (n, H, W, 1) in [-1, 1] -> bold dark strokes on white (n, H, W, 1), -1 or +1.

    The ink (pixels > 0) is dilated by a square of side 2 * width + 1, drawn black (-1) on a white (+1) page.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] != 1:
        raise ValueError(f"images must have shape (n, H, W, 1), grey digits in [-1, 1]; got {images.shape}.")
    width = positive_int("width", width, example=1)
    stroke = images[..., 0] > 0
    thick = ndimage.binary_dilation(stroke, structure=np.ones((1, 2 * width + 1, 2 * width + 1), bool))
    return np.where(thick, -1.0, 1.0).astype(np.float32)[..., None]


def stylise(images, style: str = "marker") -> np.ndarray:
    """The B partner of each A image, (n, H, W, 1) in [-1, 1]: a fixed function of the image, the known answer."""
    style = one_of("style", style, STYLES)
    return marker(images) if style == "marker" else outline(images)


def unpaired_arrays(name: str = "mnist", style: str = "marker", split: str = "train", limit: int | None = None,
                    seed: int = 0) -> dict:
    """The two domains as arrays, with their class labels.

    ``split="train"``: the first ``limit`` training images (all 60,000 if ``None``) are shuffled by ``seed``
    and cut in two; A is the first half as it is, B the second half styled. No image is in both.
    ``split="test"``: A is the first ``limit`` test images and B their partners, image for image.

    Returns a dict with ``a``, ``a_labels``, ``b``, ``b_labels`` (images (n, 28, 28, 1) in [-1, 1]).
    """
    one_of("split", split, ("train", "test"))
    one_of("style", style, STYLES)
    images, labels = load_images(name, split, limit=limit)
    images = np.asarray(images, np.float32)
    if split == "test":
        return {"a": images, "a_labels": labels, "b": stylise(images, style), "b_labels": labels}
    if len(images) < 2:
        raise ValueError(f"limit={limit} leaves {len(images)} images; two domains need at least 2 (one each).")
    order = np.random.default_rng(seed).permutation(len(images))
    half = len(images) // 2
    a_index, b_index = order[:half], order[half:2 * half]
    return {"a": images[a_index], "a_labels": labels[a_index],
            "b": stylise(images[b_index], style), "b_labels": labels[b_index]}


def unpaired_dataset(a, b, batch_size: int = 32, seed: int = 0) -> tf.data.Dataset:
    """Batches of (a images, b images), each domain in its own order: image i of A never meets a fixed B image.

    Both orders are pure functions of (seed, epoch), as in :func:`ganlab.data.array_dataset`, so a run
    resumed at an epoch sees the same batches. An epoch lasts ``min(len(a), len(b)) // batch_size`` batches.
    """
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    batch_size = positive_int("batch_size", batch_size, example=32)
    n = min(len(a), len(b))
    if batch_size > n:
        raise ValueError(f"batch_size={batch_size} is larger than the smaller domain ({n} images): use "
                         f"batch_size <= {n} or more images.")
    values_a, values_b = tf.convert_to_tensor(a), tf.convert_to_tensor(b)
    seed = int(seed)

    def epoch_indices(epoch):
        order_a = tf.random.experimental.stateless_shuffle(tf.range(len(a), dtype=tf.int64),
                                                           seed=tf.stack([tf.constant(seed, tf.int64), epoch]))
        order_b = tf.random.experimental.stateless_shuffle(tf.range(len(b), dtype=tf.int64),
                                                           seed=tf.stack([tf.constant(seed + 1, tf.int64), epoch]))
        return tf.data.Dataset.from_tensor_slices((order_a[:n], order_b[:n]))

    def finish(dataset):
        dataset = dataset.batch(batch_size, drop_remainder=True)
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(n // batch_size))
        return dataset.map(lambda i, j: (tf.gather(values_a, i), tf.gather(values_b, j))).prefetch(tf.data.AUTOTUNE)

    return EpochPipeline.from_epochs(epoch_indices, finish)


def unpaired(name: str = "mnist", style: str = "marker", batch_size: int = 32, limit: int | None = None,
             seed: int = 0) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of unpaired (a, b) batches from the training set's two disjoint halves, for CycleGAN."""
    domains = unpaired_arrays(name, style, "train", limit, seed)
    return unpaired_dataset(domains["a"], domains["b"], batch_size, seed)


def partner_share(a, b, pool: int = 4) -> float:
    """The share of A images whose most similar B image in the batch is the one at the same index.

    Similarity sees where the ink is, whatever its style: in each image, the pixels far (> 0.5) from the
    image's median (its background), widened by 2 pixels and averaged over ``pool`` x ``pool`` blocks; then
    the correlation of these maps. A digit, its negative and its outline put ink in the same places. For
    unpaired batches the share is about 1 / n (chance); for pairs (b_i made from a_i) most of the batch.
    Batches of other sizes or image sizes give 0.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 4 or b.ndim != 4 or a.shape[1:3] != b.shape[1:3] or len(a) != len(b) or len(a) < 2:
        return 0.0
    n, height, width, _ = a.shape
    pool = max(1, min(int(pool), height, width))
    h, w = height // pool * pool, width // pool * pool

    def ink_map(images):
        grey = images.mean(axis=-1)
        ink = np.abs(grey - np.median(grey.reshape(n, -1), axis=1)[:, None, None]) > 0.5
        ink = ndimage.binary_dilation(ink, structure=np.ones((1, 5, 5), bool))[:, :h, :w].astype(np.float64)
        small = ink.reshape(n, h // pool, pool, w // pool, pool).mean(axis=(2, 4)).reshape(n, -1)
        small = small - small.mean(axis=1, keepdims=True)
        return small / (np.linalg.norm(small, axis=1, keepdims=True) + 1e-12)

    similarity = ink_map(a) @ ink_map(b).T
    return float(np.mean(similarity.argmax(axis=1) == np.arange(n)))
