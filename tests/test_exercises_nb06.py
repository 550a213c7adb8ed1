"""ganlab.course.exercises.nb06: every check passes the right answers and names each plausible wrong one."""
import numpy as np
import pytest
from feedback_helpers import fails, not_written, passes
from keras import ops

from ganlab import losses, training
from ganlab.metrics import classification
from ganlab import data, models
from ganlab.course.exercises import nb06

# -- the K+1-class discriminator loss ----------------------------------------------------------------------------

def learner_loss(labelled_logits, labels, unlabelled_logits, fake_logits):
    """An answer written the way the notebook asks, with keras.ops."""
    chosen = ops.take_along_axis(labelled_logits, ops.cast(labels, "int32")[:, None], axis=1)[:, 0]
    supervised = ops.mean(ops.logsumexp(labelled_logits, axis=1) - chosen)
    real, fake = ops.logsumexp(unlabelled_logits, axis=1), ops.logsumexp(fake_logits, axis=1)
    return supervised + 0.5 * (ops.mean(ops.softplus(real) - real) + ops.mean(ops.softplus(fake)))


def naive_loss(labelled_logits, labels, unlabelled_logits, fake_logits):
    """Right formula, computed as log(sum(exp)): overflows on large logits."""
    def lse(x):
        return ops.log(ops.sum(ops.exp(x), axis=1))
    chosen = ops.take_along_axis(labelled_logits, ops.cast(labels, "int32")[:, None], axis=1)[:, 0]
    real, fake = lse(unlabelled_logits), lse(fake_logits)
    return (ops.mean(lse(labelled_logits) - chosen)
            + 0.5 * (ops.mean(ops.log(1 + ops.exp(real)) - real) + ops.mean(ops.log(1 + ops.exp(fake)))))


def mistaken(**keywords):
    def loss(labelled_logits, labels, unlabelled_logits, fake_logits):
        return nb06.reference_semi_supervised_loss(*(ops.convert_to_numpy(a) for a in
                                                     (labelled_logits, labels, unlabelled_logits, fake_logits)),
                                                   **keywords)
    return loss


@pytest.mark.parametrize("answer", [learner_loss, losses.semi_supervised_discriminator_loss],
                         ids=["keras.ops", "ganlab"])
def test_semi_supervised_loss_right_answers(answer):
    passes(nb06.check_semi_supervised_loss(answer))


@pytest.mark.parametrize("keywords, phrase", [
    (dict(plus_one=False), "exp(0) = 1"),
    (dict(reduce="sum"), "add the K logits"),
    (dict(reduce="max"), "largest logit"),
    (dict(supervised_over="K+1"), "includes the generated class"),
    (dict(fake_sign=-1.0), "sign"),
    (dict(supervised_on="unlabelled"), "unlabelled batch"),
    (dict(weight=1.0), "weighted 1/2"),
    (dict(weight=0.0), "supervised term alone"),
])
def test_semi_supervised_loss_mistakes_are_named(keywords, phrase):
    fails(nb06.check_semi_supervised_loss(mistaken(**keywords)), phrase)


def test_semi_supervised_loss_other_failures():
    fails(nb06.check_semi_supervised_loss(not_written), "not written yet")
    fails(nb06.check_semi_supervised_loss(naive_loss), "logsumexp")
    fails(nb06.check_semi_supervised_loss(lambda a, b, c, d: ops.softplus(c)), "one number")
    fails(nb06.check_semi_supervised_loss(lambda a, b, c, d: 0.5 * (mistaken()(a, b, c, d) - mistaken(weight=0.0)(
        a, b, c, d)) / 0.5), "no supervised term")


def test_the_loss_case_separates_every_mistake():
    case = nb06._loss_case()
    values = [nb06.reference_semi_supervised_loss(*case)] + [
        nb06.reference_semi_supervised_loss(*case, **kw) for kw in
        [dict(plus_one=False), dict(reduce="sum"), dict(reduce="max"), dict(supervised_over="K+1"),
         dict(fake_sign=-1.0), dict(supervised_on="unlabelled"), dict(weight=1.0), dict(weight=0.0)]]
    assert len({round(v, 4) for v in values}) == len(values)


# -- the projection discriminator --------------------------------------------------------------------------------

def projection(features, kernel, bias, table, labels):
    return features @ kernel + bias + (table[labels] * features).sum(axis=1, keepdims=True)


def test_projection_right_answers():
    passes(nb06.check_projection_output(projection))
    passes(nb06.check_projection_output(lambda *a: ops.convert_to_numpy(models.projection_logit(*a))))


@pytest.mark.parametrize("answer, phrase", [
    (lambda f, k, b, t, y: (t[y] * f).sum(axis=1, keepdims=True), "not psi"),
    (lambda f, k, b, t, y: f @ k + b, "alone"),
    (lambda f, k, b, t, y: f @ k + b + (t[y] * f).sum(), "whole batch"),
    (lambda f, k, b, t, y: f @ k + b + (t[(y + 1) % len(t)] * f).sum(axis=1, keepdims=True), "next class"),
    (lambda f, k, b, t, y: f @ k, "first logits"),
    (lambda f, k, b, t, y: np.zeros((5, 2)), "shape"),
])
def test_projection_mistakes_are_named(answer, phrase):
    fails(nb06.check_projection_output(answer), phrase)


# -- exactly n labels per class ----------------------------------------------------------------------------------

def test_pick_labelled_right_answers():
    passes(nb06.check_pick_labelled(lambda labels, n, seed: data.labels_per_class(labels, n, seed)[0]))

    def shuffled(labels, n, seed):
        rng = np.random.default_rng(seed)
        return np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:n] for c in np.unique(labels)])
    passes(nb06.check_pick_labelled(shuffled))


@pytest.mark.parametrize("answer, phrase", [
    (lambda labels, n, seed: np.random.default_rng(seed).choice(len(labels), n, replace=False), "each"),
    (lambda labels, n, seed: np.concatenate([np.random.default_rng(seed).choice(np.flatnonzero(labels == c), n)
                                             for c in range(5)]), "twice"),
    (lambda labels, n, seed: np.concatenate([np.flatnonzero(labels == c)[:n] for c in range(5)]), "first n"),
    (lambda labels, n, seed: np.concatenate([np.random.default_rng().choice(np.flatnonzero(labels == c), n,
                                                                            replace=False) for c in range(5)]),
     "same seed"),
    (lambda labels, n, seed: np.random.default_rng(seed).choice(len(labels), 5 * n, replace=False), "exactly n"),
    (lambda labels, n, seed: labels == 0, "mask"),
])
def test_pick_labelled_mistakes_are_named(answer, phrase):
    fails(nb06.check_pick_labelled(answer), phrase)
