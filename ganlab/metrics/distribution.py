"""Comparing generated and real samples in a feature space (notebook 05).

Each metric takes feature arrays (n, d), for example the 128-d features of
:func:`ganlab.metrics.image_features`; the ``image_*`` wrappers compute those
features from images first.

* Kernel Inception distance, KID (Binkowski et al., 2018): an unbiased estimate of
  the squared MMD with a cubic polynomial kernel, averaged over random subsets. 0 in
  expectation for one distribution, so small negative values happen; lower is better.
* Precision and recall (Kynkäänniemi et al., 2019) and density and coverage (Naeem
  et al., 2020): whether samples fall inside the k-nearest-neighbour balls of the
  other set. Precision and density measure fidelity (fakes look real), recall and
  coverage diversity (the fakes cover the real data).
* Memorisation: how close generated samples sit to their nearest training sample,
  compared with held-out real samples: a generator that copies sits much closer.

Pairwise distances are computed block by block with
``||a||^2 + ||b||^2 - 2 a.b``, so 10,000 x 10,000 samples need no huge array.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ganlab._checks import positive_int
from ganlab.metrics.fidelity import _check_features, _check_same_dimension, image_features

_BLOCK = 1024  # rows of a distance block: 1,024 x 10,000 float32 distances are 40 MB


def _squared_distances(a: np.ndarray, b_transposed: np.ndarray, b_squared_norms: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances (len(a), n_b) from rows of ``a`` to columns of ``b_transposed`` (d, n_b).

    ``||a||^2 + ||b||^2 - 2 a.b``, in place, in the dtype of ``a``; rounding can leave tiny negatives. Every
    caller passes a contiguous (d, n) copy, so equal inputs give bit-equal distances in every pass (numpy
    would otherwise compute ``a @ a.T`` with a different BLAS routine than ``a @ b.T``).
    """
    distances = a @ b_transposed
    distances *= -2
    distances += b_squared_norms[None, :]
    distances += np.sum(a * a, axis=1)[:, None]
    return distances


def _columns(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``features`` as a contiguous (d, n) array and its squared norms (n,): the ``b`` of _squared_distances."""
    return np.ascontiguousarray(features.T), np.sum(features * features, axis=1)


def _blocks(n: int):
    """Row slices of at most _BLOCK rows covering range(n)."""
    return (slice(start, min(start + _BLOCK, n)) for start in range(0, n, _BLOCK))


def _kth_neighbour_squared_distances(features: np.ndarray, k: int) -> np.ndarray:
    """The squared distance (n,) from each sample to its k-th nearest *other* sample (itself excluded)."""
    columns, squared_norms = _columns(features)
    radii = np.empty(len(features), features.dtype)
    for rows in _blocks(len(features)):
        distances = _squared_distances(features[rows], columns, squared_norms)
        distances[np.arange(rows.stop - rows.start), np.arange(rows.start, rows.stop)] = np.inf  # not itself
        radii[rows] = np.partition(distances, k - 1, axis=1)[:, k - 1]
    return radii


# -- kernel inception distance ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class KernelDistance:
    """The kernel inception distance: the mean and the spread (standard deviation, ddof 0) of the unbiased
    MMD^2 estimates over ``subsets`` random subsets of ``subset_size`` samples of each set."""

    mean: float
    std: float
    subsets: int
    subset_size: int

    def __str__(self) -> str:
        return f"KID {self.mean:.4f} ± {self.std:.4f} ({self.subsets} subsets of {self.subset_size:,})"


def _unbiased_mmd_squared(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 of two samples (m, d) with k(x, y) = (x.y / d + 1)^3 (Binkowski et al., 2018, eq. 3)."""
    m, d = x.shape

    def kernel(a, b):
        inner = a @ b.T / d + 1
        return inner * inner * inner  # much faster than inner ** 3

    within_x, within_y = kernel(x, x), kernel(y, y)
    same = (within_x.sum() - np.trace(within_x) + within_y.sum() - np.trace(within_y)) / (m * (m - 1))
    return float(same - 2 * kernel(x, y).mean())


def kernel_inception_distance(features_a, features_b, subsets: int = 100, subset_size: int = 1000,
                              seed: int = 0) -> KernelDistance:
    """KID (Binkowski et al., 2018, "Demystifying MMD GANs") between feature arrays (n_a, d) and (n_b, d).

    For each of ``subsets`` draws, ``subset_size`` samples of each set are picked without replacement
    and the unbiased estimate of MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y) is computed with the cubic
    kernel k(x, y) = (x.y / d + 1)^3, leaving out the pairs of a sample with itself. Unlike the Fréchet
    distance it is unbiased: about 0 (possibly slightly negative) for one distribution, at any size.
    Its scale follows the features': compare values computed with the same classifier only.
    """
    features_a = _check_features("features_a", features_a)
    features_b = _check_features("features_b", features_b)
    _check_same_dimension(features_a=features_a, features_b=features_b)
    subsets = positive_int("subsets", subsets, example=100)
    subset_size = positive_int("subset_size", subset_size, minimum=2, example=1000)
    seed = positive_int("seed", seed, minimum=0, example=1)
    smaller = min(len(features_a), len(features_b))
    if subset_size > smaller:
        raise ValueError(f"subset_size must be at most the number of samples in each set, got {subset_size} "
                         f"with {len(features_a)} and {len(features_b)} samples: pass subset_size={smaller} "
                         "or more samples.")
    rng = np.random.default_rng(seed)
    estimates = [_unbiased_mmd_squared(features_a[rng.choice(len(features_a), subset_size, replace=False)],
                                       features_b[rng.choice(len(features_b), subset_size, replace=False)])
                 for _ in range(subsets)]
    return KernelDistance(float(np.mean(estimates)), float(np.std(estimates)), subsets, subset_size)


# -- precision, recall, density, coverage ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PrecisionRecall:
    """Fidelity and diversity of fake samples judged by k-nearest-neighbour balls.

    Attributes:
        precision: the fraction of fake samples inside at least one real ball (0..1).
        recall: the fraction of real samples inside at least one fake ball (0..1).
        density: how many real balls hold a fake sample on average, divided by k: about 1 when fake and
            real samples come from one distribution, above 1 when fakes crowd where real data is dense.
        coverage: the fraction of real samples whose ball holds at least one fake sample (0..1).
        k: the neighbour that sets each ball's radius.
    """

    precision: float
    recall: float
    density: float
    coverage: float
    k: int

    def __str__(self) -> str:
        return (f"precision {self.precision:.3f}, recall {self.recall:.3f}, density {self.density:.3f}, "
                f"coverage {self.coverage:.3f} (k = {self.k})")


def precision_recall_density_coverage(real_features, fake_features, k: int = 5) -> PrecisionRecall:
    """Precision, recall (Kynkäänniemi et al., 2019), density and coverage (Naeem et al., 2020).

    Real sample i gets the ball B_i of radius r_i, its Euclidean distance to its k-th nearest other real
    sample; fake sample j gets a ball of radius s_j from the fakes the same way. With N real and M fake
    samples (open balls, as in Naeem et al.'s code):

    * precision = (1/M) sum_j 1[fake j in some B_i]
    * recall = (1/N) sum_i 1[real i in some fake ball]
    * density = (1/(k M)) sum_j sum_i 1[fake j in B_i]
    * coverage = (1/N) sum_i 1[the nearest fake to real i is in B_i]

    For two samples of one distribution, density is about 1 and coverage about 1 - 2^-k, while precision
    and recall fall well below 1 in high dimensions (about 0.47 for N(0, I) in 1,000-d, N = M = 10,000).
    Distances are computed in float32, block by block (10,000 x 10,000 in 1,000-d: about 4 s on two cores,
    three products of 10,000 x 10,000 x 1,000). A fake sample that duplicates the k-th neighbour of
    a real one sits exactly on the ball's boundary and counts as outside: a set against itself scores
    1, 1, 1, 1 (the same array or an exact copy; in another order rounding can put such a duplicate
    inside, raising density by up to 1/k).
    """
    real = _check_features("real_features", real_features)
    fake = _check_features("fake_features", fake_features)
    _check_same_dimension(real_features=real, fake_features=fake)
    centre = real.mean(axis=0)  # distances do not change; float32 rounding does, for features far from 0
    real, fake = (real - centre).astype(np.float32), (fake - centre).astype(np.float32)
    k = positive_int("k", k, example=5)
    for name, array in (("real_features", real), ("fake_features", fake)):
        if k >= len(array):
            raise ValueError(f"k must be smaller than the number of samples in {name}, got k={k} with "
                             f"{len(array)} samples: use more samples or a smaller k (5 is usual).")
    real_radii, fake_radii = _kth_neighbour_squared_distances(real, k), _kth_neighbour_squared_distances(fake, k)
    fake_columns, fake_squared_norms = _columns(fake)
    fake_in_a_ball, balls_per_fake = np.zeros(len(fake), bool), np.zeros(len(fake), np.int64)
    real_in_a_ball, covered = np.zeros(len(real), bool), np.zeros(len(real), bool)
    for rows in _blocks(len(real)):
        distances = _squared_distances(real[rows], fake_columns, fake_squared_norms)
        inside_real_ball = distances < real_radii[rows, None]
        fake_in_a_ball |= inside_real_ball.any(axis=0)
        balls_per_fake += inside_real_ball.sum(axis=0)
        real_in_a_ball[rows] = (distances < fake_radii[None, :]).any(axis=1)
        covered[rows] = distances.min(axis=1) < real_radii[rows]
    return PrecisionRecall(precision=float(fake_in_a_ball.mean()), recall=float(real_in_a_ball.mean()),
                           density=float(balls_per_fake.sum() / (k * len(fake))),
                           coverage=float(covered.mean()), k=k)


# -- memorisation ----------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Memorisation:
    """How close generated samples sit to the training set, compared with held-out real samples.

    Attributes:
        nearest_train_distance: (n_generated,) Euclidean distance of each generated sample to its
            nearest training sample.
        nearest_train_index: (n_generated,) the index of that training sample (to show it beside the sample).
        test_nearest_train_distance: (n_test,) the same distance for each held-out test sample.
        distance_ratio: median nearest-train distance of generated samples over that of test samples:
            about 1 when generated samples are no closer to the training set than unseen real data,
            well below 1 when the generator copies training samples.
        copied_fraction: the fraction of generated samples closer to the training set than 99% of test
            samples (below ``threshold``): about 0.01 without copying.
        threshold: the 1st percentile of the test samples' nearest-train distances.
    """

    nearest_train_distance: np.ndarray
    nearest_train_index: np.ndarray
    test_nearest_train_distance: np.ndarray
    distance_ratio: float
    copied_fraction: float
    threshold: float

    def __str__(self) -> str:
        return (f"generated samples sit at {self.distance_ratio:.2f} x the held-out median distance from the "
                f"training set; {self.copied_fraction:.1%} are closer than 99% of held-out samples")


def _nearest(queries: np.ndarray, references: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query, the Euclidean distance to its nearest reference and that reference's index."""
    columns, squared_norms = _columns(references)
    index = np.empty(len(queries), np.int64)
    for rows in _blocks(len(queries)):
        index[rows] = _squared_distances(queries[rows], columns, squared_norms).argmin(axis=1)
    return np.linalg.norm(queries - references[index], axis=1), index  # exact, free of the expansion's rounding


def memorisation(generated_features, train_features, test_features) -> Memorisation:
    """Nearest training samples of generated samples, and how much closer they are than held-out data.

    ``generated_features`` (n_g, d), ``train_features`` (n_train, d) (the generator's training set) and
    ``test_features`` (n_test, d) (real samples it never saw). A generator that only reproduces its
    training data gets a ``distance_ratio`` near 0 and a ``copied_fraction`` near 1; one that samples
    the distribution gets about 1 and 0.01. Distances are Euclidean, computed in float64, block by block.
    """
    generated = _check_features("generated_features", generated_features, minimum=1)
    train = _check_features("train_features", train_features, minimum=1)
    test = _check_features("test_features", test_features, minimum=1)
    _check_same_dimension(generated_features=generated, train_features=train, test_features=test)
    distances, index = _nearest(generated, train)
    test_distances, _ = _nearest(test, train)
    threshold = float(np.percentile(test_distances, 1))
    test_median = float(np.median(test_distances))
    if test_median == 0:
        raise ValueError("test_features are copies of training samples (median distance 0): "
                         "use held-out samples that are not in the training set.")
    return Memorisation(distances, index, test_distances, float(np.median(distances)) / test_median,
                        float(np.mean(distances < threshold)), threshold)


# -- from images -------------------------------------------------------------------------------------------

def image_kernel_inception_distance(images_a, images_b, dataset: str = "mnist", subsets: int = 100,
                                    subset_size: int = 1000, seed: int = 0) -> KernelDistance:
    """:func:`kernel_inception_distance` of two image sets (n, 28, 28, 1) in [-1, 1], on classifier features."""
    return kernel_inception_distance(image_features(images_a, dataset), image_features(images_b, dataset),
                                     subsets, subset_size, seed)


def image_precision_recall_density_coverage(real_images, fake_images, dataset: str = "mnist",
                                            k: int = 5) -> PrecisionRecall:
    """:func:`precision_recall_density_coverage` of two image sets (n, 28, 28, 1) in [-1, 1]."""
    return precision_recall_density_coverage(image_features(real_images, dataset),
                                             image_features(fake_images, dataset), k)
