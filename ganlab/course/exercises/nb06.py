"""Checks for notebook 06 (conditional GANs, scarce labels): the semi-supervised GAN's K+1-class discriminator
loss, the projection discriminator's output, and a split with exactly n labels per class."""
from __future__ import annotations

import keras
import numpy as np

from ganlab.course.exercises.feedback import Feedback, call, correct, wrong

# -- the K+1-class discriminator loss ------------------------------------------------------------------------------


def _lse(logits, extra_zero=False, reduce="logsumexp"):
    logits = np.asarray(logits, np.float64)
    if extra_zero:
        logits = np.concatenate([logits, np.zeros((len(logits), 1))], axis=1)
    if reduce == "sum":
        return logits.sum(axis=1)
    if reduce == "max":
        return logits.max(axis=1)
    top = logits.max(axis=1)
    return top + np.log(np.exp(logits - top[:, None]).sum(axis=1))


def _softplus(x):
    return np.logaddexp(0.0, x)


def reference_semi_supervised_loss(labelled_logits, labels, unlabelled_logits, fake_logits, weight=0.5,
                                   reduce="logsumexp", plus_one=True, supervised_over="K", fake_sign=1.0,
                                   supervised_on="labelled"):
    """L_supervised + weight * L_unsupervised in float64; the keywords make the usual mistakes:
    ``reduce`` ("sum" or "max" instead of logsumexp), ``plus_one=False`` (D(x) = Z instead of Z / (Z + 1)),
    ``supervised_over="K+1"`` (the fake class's 0 in the cross-entropy's softmax), ``fake_sign=-1``
    (softplus(-LSE) on generated images), ``supervised_on="unlabelled"`` (cross-entropy on the unlabelled batch)."""
    labelled_logits, unlabelled_logits, fake_logits = (np.asarray(a, np.float64) for a in
                                                       (labelled_logits, unlabelled_logits, fake_logits))
    labels = np.asarray(labels)
    source = labelled_logits if supervised_on == "labelled" else unlabelled_logits
    chosen = source[np.arange(len(labels)), labels]
    supervised = np.mean(_lse(source, extra_zero=supervised_over == "K+1") - chosen)
    real, fake = _lse(unlabelled_logits, reduce=reduce), _lse(fake_logits, reduce=reduce)
    if plus_one:
        unsupervised = np.mean(_softplus(real) - real) + np.mean(_softplus(fake_sign * fake))
    else:  # -log Z(x) + log Z(G(z)): the "+ 1", exp of the fixed logit 0, left out
        unsupervised = np.mean(-real) + np.mean(fake_sign * fake)
    return float(supervised + weight * unsupervised)


def _loss_case():
    """Logits (batch, K = 4) chosen so that every mistake gives a different value; equal batch sizes, so a
    supervised term on the wrong batch runs and is caught by its value."""
    rng = np.random.default_rng(11)
    labelled = rng.normal(0, 2, (6, 4))
    labels = np.array([0, 3, 1, 2, 3, 0])
    unlabelled = rng.normal(0.5, 2, (6, 4))
    fake = rng.normal(-1, 1.5, (6, 4))
    return labelled, labels, unlabelled, fake


def _as_tensors(*arrays):
    return [keras.ops.convert_to_tensor(np.asarray(a, np.float32)) for a in arrays]


def check_semi_supervised_loss(fn) -> Feedback:
    """Mark ``fn(labelled_logits, labels, unlabelled_logits, fake_logits)`` -> the scalar L_D of the SGAN.

    The arguments are tensors (as in training); the answer must be built from ``keras.ops`` so that
    it can be differentiated, and it then trains the notebook's semi-supervised GAN.
    """
    labelled, labels, unlabelled, fake = _loss_case()
    tensors = _as_tensors(labelled, unlabelled, fake)
    got = call(fn, tensors[0], keras.ops.convert_to_tensor(labels.astype(np.int32)), tensors[1], tensors[2],
               what="your semi_supervised_loss")
    if isinstance(got, Feedback):
        return got
    if got.size != 1:
        return wrong(f"the loss must be one number (a mean over the batch), got an array of shape {got.shape}. "
                     "Average each term over its batch with keras.ops.mean.")
    got = float(got.reshape(()))
    truth = reference_semi_supervised_loss(labelled, labels, unlabelled, fake)
    if np.isclose(got, truth, rtol=1e-4, atol=1e-5):
        big = call(fn, *_as_tensors(labelled * 40), keras.ops.convert_to_tensor(labels.astype(np.int32)),
                   *_as_tensors(unlabelled * 40, fake * 40), what="your semi_supervised_loss")
        if isinstance(big, Feedback):
            return big
        if not np.all(np.isfinite(big)):
            return wrong("your loss is right on moderate logits but gives inf or NaN when logits are about 100: "
                         "use keras.ops.logsumexp and keras.ops.softplus rather than log(sum(exp(...))).")
        return correct(f"L_D = {truth:.4f} on the test logits. The fake class's logit is the fixed 0, so "
                       "D(x) = Z / (Z + 1) and both unsupervised terms are softplus of logsumexp. The next cells "
                       "train the semi-supervised GAN with your loss.")
    mistakes = [
        (dict(plus_one=False), "you leave out the generated class's term exp(0) = 1: with D(x) = Z(x) / (Z(x) + 1), "
         "-log D(x) = softplus(LSE) - LSE and -log(1 - D(G(z))) = softplus(LSE(G(z))), where LSE = logsumexp of the "
         "K logits."),
        (dict(reduce="sum"), "you add the K logits where their logsumexp is needed: Z(x) = sum_k exp(l_k), so "
         "log Z = keras.ops.logsumexp(logits, axis=1), not the sum of the logits."),
        (dict(reduce="max"), "you take the largest logit instead of the logsumexp of all K: log Z = logsumexp."),
        (dict(supervised_over="K+1"), "your supervised cross-entropy includes the generated class (a 0 logit in "
         "its softmax). The supervised term is -log p(y | x, y < K+1): the softmax over the K real classes only."),
        (dict(fake_sign=-1.0), "the sign of the generated images' term is flipped: D should push D(G(z)) down, "
         "so the term is -log(1 - D(G(z))) = softplus(+LSE(G(z))), not softplus(-LSE)."),
        (dict(supervised_on="unlabelled"), "your cross-entropy is computed on the unlabelled batch: the labels "
         "belong to the labelled images, so the supervised term uses labelled_logits."),
        (dict(weight=1.0), "the unsupervised term is weighted 1/2 here (as in Salimans et al.'s code): "
         "L_D = L_supervised + 0.5 * L_unsupervised."),
        (dict(weight=0.0), "your loss is the supervised term alone: add 0.5 * L_unsupervised, which is what "
         "lets D learn from the unlabelled images."),
    ]
    for keywords, message in mistakes:
        if np.isclose(got, reference_semi_supervised_loss(labelled, labels, unlabelled, fake, **keywords),
                      rtol=1e-4, atol=1e-5):
            return wrong(message)
    supervised = reference_semi_supervised_loss(labelled, labels, unlabelled, fake, weight=0.0)
    if np.isclose(got, truth - supervised, rtol=1e-4, atol=1e-5) or np.isclose(got, 2 * (truth - supervised),
                                                                               rtol=1e-4, atol=1e-5):
        return wrong("your loss has no supervised term: add the cross-entropy of labelled_logits for labels.")
    return wrong(f"on the test logits L_D is {truth:.4f}, yours is {got:.4f}. Check each term on its own: "
                 f"L_supervised = {supervised:.4f}.")


# -- the projection discriminator ----------------------------------------------------------------------------------


def reference_projection(features, psi_kernel, psi_bias, class_embedding, labels, psi=True, inner=True,
                         one_hot_shift=0, batch_sum=False):
    features = np.asarray(features, np.float64)
    rows = np.asarray(class_embedding, np.float64)[(np.asarray(labels) + one_hot_shift) % len(class_embedding)]
    out = np.zeros((len(features), 1))
    if psi:
        out += features @ np.asarray(psi_kernel, np.float64) + np.asarray(psi_bias, np.float64)
    if inner:
        products = rows * features
        out += products.sum() if batch_sum else products.sum(axis=1, keepdims=True)
    return out


def _projection_case():
    rng = np.random.default_rng(12)
    features = rng.normal(size=(5, 6))
    kernel, bias = rng.normal(size=(6, 1)), np.array([0.3])
    table = rng.normal(size=(4, 6))
    labels = np.array([2, 0, 3, 1, 2])
    return features, kernel, bias, table, labels


def check_projection_output(fn) -> Feedback:
    """Mark ``fn(features, psi_kernel, psi_bias, class_embedding, labels)`` -> logits (batch, 1) of the
    projection discriminator: psi(phi) + <e_y, phi>."""
    case = _projection_case()
    got = call(fn, *(np.array(a) for a in case), what="your projection_output")
    if isinstance(got, Feedback):
        return got
    truth = reference_projection(*case)
    if got.shape in ((5,),):
        got = got[:, None]
    if got.shape != truth.shape:
        return wrong(f"return one logit per image, shape (batch, 1) = {truth.shape}; got {got.shape}. "
                     "Sum the product e_y * phi over the feature axis (axis=1, keepdims=True).")
    if np.allclose(got, truth, atol=1e-6):
        return correct("the label acts only through <e_y, phi(x)>, added to the unconditional logit psi(phi(x)): "
                       "one embedding row per class, the projection of Miyato and Koyama (2018).")
    mistakes = [
        (dict(psi=False), "you have the inner product but not psi(phi(x)) = phi @ psi_kernel + psi_bias, the "
         "unconditional part of the logit."),
        (dict(inner=False), "you return psi(phi(x)) alone: add the inner product of the class embedding e_y "
         "(class_embedding[labels]) with phi(x)."),
        (dict(batch_sum=True), "your inner product is summed over the whole batch: sum over the feature axis only, "
         "so each image gets its own <e_y, phi(x)>."),
        (dict(one_hot_shift=1), "you take the embedding row of the next class: e_y is class_embedding[labels]."),
    ]
    for keywords, message in mistakes:
        if np.allclose(got, reference_projection(*case, **keywords), atol=1e-6):
            return wrong(message)
    return wrong(f"on the test case the first logits are {truth[:2, 0].round(4).tolist()}, yours "
                 f"{got[:2, 0].round(4).tolist()}.")


# -- exactly n labels per class -------------------------------------------------------------------------------------


def _split_labels():
    rng = np.random.default_rng(13)
    labels = np.repeat(np.arange(5), [30, 22, 41, 25, 33])
    rng.shuffle(labels)
    return labels


def check_pick_labelled(fn) -> Feedback:
    """Mark ``fn(labels, n, seed)`` -> indices of exactly n examples of each class, random but fixed by seed."""
    labels = _split_labels()
    got = call(fn, labels.copy(), 4, 0, what="your pick_labelled")
    if isinstance(got, Feedback):
        return got
    got = got.reshape(-1)
    if not np.allclose(got, np.round(got)) or (len(got) and (got.min() < 0 or got.max() >= len(labels))):
        return wrong("return indices into labels (integers from 0 to len(labels) - 1), not labels or masks.")
    if len(got) == len(labels) and set(np.unique(got).tolist()) <= {0, 1}:
        return wrong("you return a mask (one True/False per example): return the indices of the labelled "
                     "examples, for example with np.flatnonzero(mask).")
    got = got.astype(int)
    counts = np.bincount(labels[got], minlength=5)
    if len(got) == 4:
        return wrong("you return n indices in all: the split keeps n labelled examples of *each* class, "
                     "n * K in all (here 4 * 5 = 20).")
    if len(np.unique(got)) != len(got):
        return wrong("some index appears twice: draw without replacement (rng.choice(..., replace=False)), "
                     "or one labelled image would count twice.")
    if not np.all(counts == 4):
        return wrong(f"each class must have exactly n = 4 labelled examples; yours has {counts.tolist()} "
                     "per class. Pick within each class separately.")
    smallest = int(np.bincount(labels).min())  # every example of the smallest class: repeats would show
    every = call(fn, labels.copy(), smallest, 2, what="your pick_labelled")
    if isinstance(every, Feedback):
        return every
    every = every.reshape(-1).astype(int)
    if len(np.unique(every)) != len(every):
        return wrong(f"with n = {smallest} (all of the smallest class) some index appears twice: draw without "
                     "replacement (rng.choice(..., replace=False)), or one labelled image would count twice.")
    again = call(fn, labels.copy(), 4, 0, what="your pick_labelled")
    other = call(fn, labels.copy(), 4, 1, what="your pick_labelled")
    for answer in (again, other):
        if isinstance(answer, Feedback):
            return answer
    if not np.array_equal(np.sort(again.reshape(-1)), np.sort(got)):
        return wrong("the same seed gave two different splits: draw from np.random.default_rng(seed), so that "
                     "a split can be repeated.")
    if np.array_equal(np.sort(other.reshape(-1)), np.sort(got)):
        firsts = np.concatenate([np.flatnonzero(labels == c)[:4] for c in range(5)])
        if np.array_equal(np.sort(got), np.sort(firsts)):
            return wrong("you keep the first n examples of each class: the split must be random (fixed by the "
                         "seed), or every seed would give the same labelled set.")
        return wrong("seeds 0 and 1 gave the same split: use the seed to draw the examples.")
    return correct("exactly n examples of each class, drawn without replacement, the same for the same seed and "
                   "different for another: the setting of the scarce-label experiment (ganlab.data.labels_per_class).")
