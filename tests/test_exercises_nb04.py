"""ganlab.course.exercises.nb04: every check passes the right answers and explains each plausible wrong one."""
import numpy as np
import pytest

from feedback_helpers import fails, not_written, passes
from ganlab.course.exercises import nb04
from keras import ops


# -- counting modes ------------------------------------------------------------------------------------------

def count(samples, centers, std, n_std=3.0, filter_modes=True, fraction=True):
    distances = np.linalg.norm(samples[:, None] - centers[None], axis=-1)
    nearest, closest = distances.argmin(axis=1), distances.min(axis=1)
    good = closest <= n_std * std
    modes = len(np.unique(nearest[good] if filter_modes else nearest))
    return modes, good.mean() if fraction else good.sum()


def test_the_case_separates_the_mistakes():
    samples, mixture = nb04._grid_case()
    centers, std = mixture.centers, mixture.std
    right = count(samples, centers, std)
    assert right == (6, 9 / 13)
    assert count(samples, centers, std, filter_modes=False)[0] == 8
    assert count(samples, centers, std, n_std=1.0)[1] < right[1]


@pytest.mark.parametrize("answer", [
    count,
    lambda s, c, std: (lambda cov: (cov.modes, cov.high_quality))(
        __import__("ganlab").metrics.mode_coverage(s, nb04._grid_case()[1])),
], ids=["numpy", "ganlab"])
def test_count_modes_right_answers(answer):
    passes(nb04.check_count_modes(answer))


@pytest.mark.parametrize("answer, phrase", [
    (lambda s, c, std: count(s, c, std, filter_modes=False), "Count a mode only when a *high-quality*"),
    (lambda s, c, std: count(s, c, std, n_std=1.0), "3 standard deviations"),
    (lambda s, c, std: count(s, c, std, fraction=False), "a fraction of the samples"),
    (lambda s, c, std: count(s, c, std, n_std=2.0), "high_quality should be"),
    (lambda s, c, std: (count(s, c, std)[0] + 1, count(s, c, std)[1]), "count the distinct nearest"),
    (lambda s, c, std: count(s, c, std)[0], "return two numbers"),
    (not_written, "not written yet"),
    (lambda s, c, std: None, "forget `return`"),
], ids=["unfiltered", "one-std", "count", "two-std", "off-by-one", "one-number", "not-implemented", "none"])
def test_count_modes_wrong_answers(answer, phrase):
    fails(nb04.check_count_modes(answer), phrase)


# -- packing -------------------------------------------------------------------------------------------------

def pack(samples, m):
    n, d = samples.shape
    if n % m:
        raise ValueError(f"the {n} samples do not divide into packs of m={m}")
    return ops.reshape(samples, (n // m, m * d))


def test_pack_right_answer():
    passes(nb04.check_pack(pack))


def numpy_only(samples, m):
    if len(samples) % m:
        raise ValueError(f"the {len(samples)} samples do not divide into packs of m={m}")
    return np.reshape(samples, (len(samples) // m, m * samples.shape[1]))


def test_a_pack_that_works_only_on_numpy_is_sent_back_to_keras_ops():
    fails(nb04.check_pack(numpy_only), "ops.reshape")
    fails(nb04.check_pack(lambda s, m: numpy_only(s, m) if isinstance(s, np.ndarray) else s.reshape((-1, 2 * m))),
          "ops.reshape")


def test_the_pacgan_trains_with_the_learners_pack_exactly_as_with_ganlabs():
    from ganlab.experiments import collapse
    from ganlab import data, models

    recipe = collapse.Recipe(steps=20, batch_size=64)
    ours = collapse.train("pacgan4", data.grid(), seed=3, recipe=recipe, samples=200)
    theirs = collapse.train("pacgan4", data.grid(), seed=3, recipe=recipe, samples=200, packing=pack)
    for a, b in zip(ours.gan.weights, theirs.gan.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert models.pack_size(theirs.gan.discriminator) == 4
    with pytest.raises(ValueError, match="only for the PacGAN"):
        collapse.build("gan", recipe, packing=pack)


def checked(wrong_pack):
    def answer(samples, m):
        pack(samples, m)  # raises the right error for a bad m, then packs the wrong way
        return wrong_pack(samples, m)
    return answer


def unchecked(samples, m):
    return ops.reshape(samples[: samples.shape[0] // m * m], (-1, m * samples.shape[1]))


@pytest.mark.parametrize("answer, phrase", [
    (checked(lambda s, m: s.reshape(m, -1, 2).transpose(1, 0, 2).reshape(-1, m * 2)), "consecutive ones"),
    (checked(lambda s, m: s.reshape(-1, m, 2).transpose(0, 2, 1).reshape(-1, m * 2)), "coordinates together"),
    (checked(lambda s, m: s.reshape(m, -1)), "has shape"),
    (checked(lambda s, m: pack(s, m)[::-1]), "first pack should be"),
    (unchecked, "Raise a ValueError"),
    (lambda s, m: ops.reshape(s, (-1, m * s.shape[1])), "Check first and raise a ValueError"),
    (lambda s, m: pack(s, m) if s.shape[0] % m == 0 else (_ for _ in ()).throw(ValueError("bad")), "should say what"),
    (not_written, "not written yet"),
], ids=["strided", "by-axis", "wrong-shape", "reversed", "no-check", "numpy-error", "vague-error", "not-implemented"])
def test_pack_wrong_answers(answer, phrase):
    fails(nb04.check_pack(answer), phrase)


# -- the minibatch standard deviation ---------------------------------------------------------------------------

def stddev(features, ddof=0):
    column = np.full((len(features), 1), features.std(axis=0, ddof=ddof).mean())
    return np.concatenate([features, column], axis=1)


@pytest.mark.parametrize("answer", [
    stddev,
    lambda f: stddev(f, ddof=1),
    lambda f: np.asarray(__import__("ganlab").models.MinibatchStdDev()(f.astype("float32")), np.float64),
], ids=["population", "sample", "ganlab-layer"])
def test_minibatch_stddev_right_answers(answer):
    passes(nb04.check_minibatch_stddev(answer))


@pytest.mark.parametrize("answer, phrase", [
    (lambda f: np.concatenate([f, f.std(axis=1, keepdims=True)], axis=1), "over its features (axis 1)"),
    (lambda f: np.concatenate([f, np.full((len(f), 1), f.var(axis=0).mean())], axis=1), "mean variance"),
    (lambda f: np.concatenate([f, np.full((len(f), 1), f.std())], axis=1), "all numbers pooled"),
    (lambda f: np.full((len(f), 1), f.std(axis=0).mean()), "appended"),
    (lambda f: np.concatenate([f, np.tile(f.std(axis=0), (len(f), 1))], axis=1), "average them into one"),
    (lambda f: np.concatenate([f * 0, np.full((len(f), 1), f.std(axis=0).mean())], axis=1), "unchanged"),
    (lambda f: np.concatenate([f, np.full((len(f), 1), f.std(axis=0).max())], axis=1), "should be"),
    (lambda f: f, "has shape"),
    (not_written, "not written yet"),
], ids=["per-sample", "variance", "pooled", "column-only", "per-feature", "changed-features", "max", "unchanged",
        "not-implemented"])
def test_minibatch_stddev_wrong_answers(answer, phrase):
    fails(nb04.check_minibatch_stddev(answer), phrase)
