"""ganlab.course.exercises.nb05: every check passes the right answers and explains each plausible wrong one."""
import numpy as np
import pytest

from feedback_helpers import fails, not_written, passes
from ganlab import metrics
from ganlab.course.exercises import nb05


# -- precision and recall ------------------------------------------------------------------------------------

def precision_recall(real, fake, k, include_self=False, extra=0, closed=False, swapped=False):
    """A learner's answer in plain NumPy; the keywords make one mistake each."""
    def radii(points):
        distances = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))
        if not include_self:
            np.fill_diagonal(distances, np.inf)
        return np.sort(distances, axis=1)[:, k - 1 + extra]

    distances = np.sqrt(((real[:, None] - fake[None]) ** 2).sum(-1))
    real_radii, fake_radii = radii(real), radii(fake)
    if swapped:
        real_radii, fake_radii = fake_radii, real_radii
        inside = (lambda d, r: d <= r) if closed else (lambda d, r: d < r)
        return inside(distances, real_radii[None, :]).any(0).mean(), inside(distances, fake_radii[:, None]).any(1).mean()
    inside = (lambda d, r: d <= r) if closed else (lambda d, r: d < r)
    return inside(distances, real_radii[:, None]).any(0).mean(), inside(distances, fake_radii[None, :]).any(1).mean()


def from_ganlab(real, fake, k):
    scores = metrics.precision_recall_density_coverage(real, fake, k=k)
    return scores.precision, scores.recall


@pytest.mark.parametrize("answer", [precision_recall, from_ganlab], ids=["numpy", "ganlab"])
def test_precision_recall_right_answers(answer):
    passes(nb05.check_precision_recall(answer))


def test_the_cases_separate_the_mistakes():
    real, fake = nb05._random_case()
    answers = {tuple(precision_recall(real, fake, 3, **kw)) for kw in
               [{}, dict(include_self=True), dict(extra=1), dict(swapped=True)]}
    assert len(answers) == 4
    real, fake = nb05._tie_case()
    assert precision_recall(real, fake, 2) != precision_recall(real, fake, 2, closed=True)


@pytest.mark.parametrize("answer, phrase", [
    (lambda r, f, k: precision_recall(r, f, k, include_self=True), "counts itself as its own nearest"),
    (lambda r, f, k: precision_recall(r, f, k, extra=1), "(k+1)-th nearest"),
    (lambda r, f, k: precision_recall(r, f, k, swapped=True), "judged by its own radii"),
    (lambda r, f, k: precision_recall(r, f, k, closed=True), "open balls"),
    (lambda r, f, k: precision_recall(r, f, k)[::-1], "return precision first"),
    (lambda r, f, k: precision_recall(r, f, k)[0], "two numbers"),
    (lambda r, f, k: (0.5, 0.5), "precision is 0.940"),
    (not_written, "not written yet"),
    (lambda r, f, k: None, "forget `return`"),
], ids=["self", "k-plus-one", "swapped", "closed", "order", "one-number", "other", "not-implemented", "none"])
def test_precision_recall_wrong_answers(answer, phrase):
    fails(nb05.check_precision_recall(answer), phrase)


# -- MMD^2 ---------------------------------------------------------------------------------------------------

def mmd_squared(x, y, biased=False, scale=True, offset=1.0, power=3, cross=2.0):
    d = x.shape[1]
    kernel = lambda a, b: (a @ b.T / (d if scale else 1) + offset) ** power  # noqa: E731
    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    m = len(x)
    if biased:
        within = kxx.mean() + kyy.mean()
    else:
        within = (kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return within - cross * kxy.mean()


def test_mmd_right_answer():
    passes(nb05.check_mmd_squared(mmd_squared))


@pytest.mark.parametrize("answer, phrase", [
    (lambda x, y: mmd_squared(x, y, biased=True), "biased estimate"),
    (lambda x, y: mmd_squared(x, y, scale=False), "by the dimension d"),
    (lambda x, y: mmd_squared(x, y, offset=0.0), "adds 1 before cubing"),
    (lambda x, y: mmd_squared(x, y, power=2), "is cubic"),
    (lambda x, y: mmd_squared(x, y, cross=1.0), "counts twice"),
    (lambda x, y: np.array([1.0, 2.0]), "one number"),
    (lambda x, y: 0.0, "the unbiased MMD^2 is"),
    (not_written, "not written yet"),
], ids=["biased", "unscaled", "no-offset", "squared", "cross-once", "array", "other", "not-implemented"])
def test_mmd_wrong_answers(answer, phrase):
    fails(nb05.check_mmd_squared(answer), phrase)


# -- reading the sweep ---------------------------------------------------------------------------------------

EFFECTS = {"generator_lr": 300.0, "discriminator_lr": 120.0, "beta_1": 40.0, "batch_size": 15.0}


def test_setting_that_matters():
    passes(nb05.check_setting_that_matters("generator_lr", EFFECTS))
    fails(nb05.check_setting_that_matters("batch_size", EFFECTS), "changed the mean FD least")
    fails(nb05.check_setting_that_matters("beta_1", EFFECTS), "another setting moved it")
    fails(nb05.check_setting_that_matters("momentum", EFFECTS), "not one of the swept settings")
    fails(nb05.check_setting_that_matters(2, EFFECTS), "as a string")
