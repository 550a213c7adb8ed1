"""Checks for notebook 05 (evaluation and sensitivity): precision and recall from k-NN balls, the unbiased
MMD^2 of KID, and reading the sweep's heat maps."""
from __future__ import annotations

import numpy as np

from ganlab.course.exercises.feedback import Feedback, call, correct, wrong


# -- precision and recall ---------------------------------------------------------------------------------

def _kth_radii(points: np.ndarray, k: int, include_self: bool = False) -> np.ndarray:
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    if not include_self:
        np.fill_diagonal(distances, np.inf)
    return np.sort(distances, axis=1)[:, k - 1]


def reference_precision_recall(real, fake, k: int, include_self=False, neighbour=0, closed=False, swapped=False):
    """Precision and recall (Kynkäänniemi et al., 2019) with open balls; the keywords make the usual mistakes:
    ``include_self`` (a point is its own nearest neighbour), ``neighbour`` (+1: the (k+1)-th neighbour),
    ``closed`` (<= instead of <), ``swapped`` (each set judged by its own radii instead of the other set's)."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    real_radii = _kth_radii(real, k + neighbour, include_self)
    fake_radii = _kth_radii(fake, k + neighbour, include_self)
    distances = np.linalg.norm(real[:, None] - fake[None], axis=-1)  # (n_real, n_fake)
    inside = np.less_equal if closed else np.less
    if swapped:  # precision: a fake within its own radius of some real sample; recall likewise
        precision = inside(distances, fake_radii[None, :]).any(axis=0).mean()
        recall = inside(distances, real_radii[:, None]).any(axis=1).mean()
    else:
        precision = inside(distances, real_radii[:, None]).any(axis=0).mean()
        recall = inside(distances, fake_radii[None, :]).any(axis=1).mean()
    return float(precision), float(recall)


def _random_case():
    """Real samples from N(0, I) in 8-d, fakes shifted and narrower: every mistake gives other numbers."""
    rng = np.random.default_rng(5)
    return rng.normal(0, 1, (120, 8)), rng.normal(0.4, 0.8, (100, 8))


def _tie_case():
    """Integer points (exact distances): one fake lies exactly on a real sample's k-th-neighbour sphere."""
    real = np.array([[0, 0], [4, 0], [0, 4], [4, 4], [20, 20], [24, 20], [20, 24]], dtype=np.float64)
    # k = 2: the ball of real (0, 0) has radius 4; (0, -4) sits on its boundary and in no other real ball.
    fake = np.array([[1, 1], [0, -4], [40, 40], [41, 40], [40, 41], [2, 2]], dtype=np.float64)
    return real, fake


def _pair(got, what):
    if got.shape != (2,):
        return wrong(f"{what} should return two numbers, (precision, recall); got an array of shape {got.shape}.")
    return float(got[0]), float(got[1])


def _precision_recall_answer(fn, real, fake, k):
    """The learner's (precision, recall) on copies of the case, or the Feedback that says why there is none."""
    got = call(fn, real.copy(), fake.copy(), k, what="your precision_recall")
    return got if isinstance(got, Feedback) else _pair(got, "your precision_recall")


def check_precision_recall(fn) -> Feedback:
    """Mark ``fn(real, fake, k)`` -> ``(precision, recall)`` for feature arrays (n, d), with open k-NN balls."""
    real, fake = _random_case()
    got = _precision_recall_answer(fn, real, fake, 3)
    if isinstance(got, Feedback):
        return got
    truth = reference_precision_recall(real, fake, 3)
    if not np.allclose(got, truth, atol=1e-9):
        mistakes = [
            (dict(include_self=True), "each sample counts itself as its own nearest neighbour (distance 0), so "
             "your radius is the distance to the (k-1)-th *other* sample. Leave the sample itself out (set the "
             "diagonal of the distance matrix to infinity) before taking the k-th smallest distance."),
            (dict(neighbour=1), "your radius is the distance to the (k+1)-th nearest other sample: with the "
             "sample itself left out, the k-th neighbour is at index k - 1 of the sorted distances."),
            (dict(swapped=True), "each set is judged by its own radii. Precision asks whether a *fake* sample lies "
             "in the ball of some *real* sample (real radii); recall whether a real sample lies in some fake "
             "sample's ball (fake radii)."),
        ]
        for keywords, message in mistakes:
            if np.allclose(got, reference_precision_recall(real, fake, 3, **keywords), atol=1e-9):
                return wrong(message)
        if np.allclose(got[::-1], truth, atol=1e-9):
            return wrong("you return (recall, precision): return precision first.")
        return wrong(f"with k = 3 on the test case precision is {truth[0]:.3f} and recall {truth[1]:.3f}; yours "
                     f"gives {got[0]:.3f} and {got[1]:.3f}. Radius of a sample: Euclidean distance to its k-th "
                     "nearest other sample of the same set.")
    real, fake = _tie_case()
    got = _precision_recall_answer(fn, real, fake, 2)
    if isinstance(got, Feedback):
        return got
    truth = reference_precision_recall(real, fake, 2)
    if np.allclose(got, reference_precision_recall(real, fake, 2, closed=True)) and not np.allclose(got, truth):
        return wrong("a fake sample exactly on a real ball's boundary counts as inside in your code (<=). Use "
                     "open balls (<), as ganlab.metrics and Naeem et al.'s code do (Kynkäänniemi et al. write <=; "
                     "the difference shows only on exact ties, such as duplicated samples).")
    if not np.allclose(got, truth):
        return wrong(f"on the second test case (integer points, k = 2) precision is {truth[0]:.3f} and recall "
                     f"{truth[1]:.3f}; yours gives {got[0]:.3f} and {got[1]:.3f}.")
    return correct("precision is the share of fakes inside the real data's k-NN balls, recall the share of real "
                   "samples inside the fakes' balls. The next cell runs your function on the notebook's generators.")


# -- the unbiased MMD^2 -----------------------------------------------------------------------------------

def reference_mmd_squared(x, y, biased=False, scale=True, offset=1.0, power=3, cross=2.0):
    """MMD^2 with k(a, b) = (a.b / d + 1)^3; the keywords make the usual mistakes."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    m, d = x.shape

    def kernel(a, b):
        return (a @ b.T / (d if scale else 1) + offset) ** power

    kxx, kyy = kernel(x, x), kernel(y, y)
    if biased:
        within = kxx.mean() + kyy.mean()
    else:
        within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(within - cross * kernel(x, y).mean())


def check_mmd_squared(fn) -> Feedback:
    """Mark ``fn(x, y)``: the unbiased MMD^2 of two samples (m, d) with the cubic kernel (x.y / d + 1)^3."""
    rng = np.random.default_rng(6)
    x, y = rng.normal(0, 1, (40, 6)), rng.normal(0.3, 1.2, (40, 6))
    got = call(fn, x.copy(), y.copy(), what="your mmd_squared")
    if isinstance(got, Feedback):
        return got
    if got.size != 1:
        return wrong(f"mmd_squared should return one number, got an array of shape {got.shape}.")
    got = float(got.reshape(()))
    truth = reference_mmd_squared(x, y)
    if np.isclose(got, truth, rtol=1e-6, atol=1e-9):
        same = rng.normal(0, 1, (40, 6))
        check = call(fn, same.copy(), rng.normal(0, 1, (40, 6)), what="your mmd_squared")
        if isinstance(check, Feedback):
            return check
        return correct(f"MMD^2 = {truth:.4f} on the test case. Leaving out the pairs (x_i, x_i) makes the estimate "
                       "unbiased: about 0 for two samples of one distribution, whatever their size (here "
                       f"{float(np.asarray(check).reshape(())):+.4f}), unlike the Fréchet distance.")
    mistakes = [
        (dict(biased=True), "you keep the diagonal k(x_i, x_i) in the within-set means, which gives the biased "
         "estimate (always > 0, even for one distribution). Sum the kernel matrix without its diagonal and "
         "divide by m (m - 1)."),
        (dict(scale=False), "the kernel divides the inner product by the dimension d: k(a, b) = (a.b / d + 1)^3."),
        (dict(offset=0.0), "the kernel adds 1 before cubing: k(a, b) = (a.b / d + 1)^3."),
        (dict(power=2), "the kernel is cubic: (a.b / d + 1)^3, not squared."),
        (dict(cross=1.0), "the cross term counts twice: MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y)."),
    ]
    for keywords, message in mistakes:
        if np.isclose(got, reference_mmd_squared(x, y, **keywords), rtol=1e-6, atol=1e-9):
            return wrong(message)
    return wrong(f"on the test case the unbiased MMD^2 is {truth:.4f}, yours is {got:.4f}.")


# -- reading the sweep -------------------------------------------------------------------------------------

def check_setting_that_matters(answer, effects: dict) -> Feedback:
    """Mark the learner's answer: the setting whose one-factor change moved the mean FD most.

    ``effects``: {setting name: range (max - min) of the per-point mean FD when only that setting varies}.
    """
    if not isinstance(answer, str):
        return wrong(f"answer with the setting's name as a string, one of {sorted(effects)}; got {answer!r}.")
    if answer not in effects:
        return wrong(f"{answer!r} is not one of the swept settings: {sorted(effects)}.")
    best = max(effects, key=effects.get)
    if answer == best:
        return correct(f"{best} moved the mean FD by {effects[best]:.0f} across its values, more than any other "
                       "setting in this sweep.")
    if answer == min(effects, key=effects.get):
        return wrong(f"{answer} changed the mean FD least ({effects[answer]:.0f}); look for the largest "
                     "difference between the best and the worst value of one setting.")
    return wrong(f"{answer} moved the mean FD by {effects[answer]:.0f}, but another setting moved it by "
                 f"{effects[best]:.0f}: compare each setting's range of means.")
