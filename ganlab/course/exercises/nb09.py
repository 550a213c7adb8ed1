"""Checks for notebook 09 (CycleGAN): the cycle-consistency loss and the generators' least-squares adversarial
loss, both of which then train the notebook's model, and the discriminators' least-squares loss, with which the
notebook judges a translator that swaps two classes."""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from ganlab.course.exercises.feedback import Feedback, as_number, correct, wrong


def _traced(fn, arrays, what: str):
    """Run the learner's ``fn`` on tensors inside a ``tf.function``, as ``CycleGAN.train_step`` will."""
    if not callable(fn):
        return wrong(f"pass the function itself (its name, without brackets), got {fn!r}.")
    traced = tf.function(lambda *tensors: fn(*tensors))
    try:
        result = traced(*[tf.constant(np.asarray(a, np.float32)) for a in arrays])
    except NotImplementedError:
        return wrong(f"{what} is not written yet: replace `raise NotImplementedError` with your code.")
    except Exception as error:  # the learner's code failed: say how, not a traceback
        return wrong(f"{what} raised {type(error).__name__}: {str(error)[:300]}. It runs inside a tf.function on "
                     "tensors: use keras.ops (or tf) functions, not NumPy or .numpy().")
    if result is None:
        return wrong(f"{what} returned None: did you forget `return`?")
    return as_number(result, what)


# -- the cycle-consistency loss --------------------------------------------------------------------------------

def reference_cycle_loss(real_a, cycled_a, real_b, cycled_b, l2=False, only_a=False, only_b=False, summed=False,
                         averaged=False, per_image=False, weight=1.0, wrong_pair=False):
    """mean |F(G(a)) - a| + mean |G(F(b)) - b|; the keywords make the usual mistakes."""
    real_a, cycled_a, real_b, cycled_b = (np.asarray(x, np.float64) for x in (real_a, cycled_a, real_b, cycled_b))
    if wrong_pair:
        cycled_a, cycled_b = cycled_b, cycled_a
    distance = (lambda x, y: (x - y) ** 2) if l2 else (lambda x, y: np.abs(x - y))
    axes = tuple(range(1, real_a.ndim)) if per_image else None
    reduce = (lambda x: x.sum(axis=axes)) if summed else (lambda x: x.mean(axis=axes))
    term_a, term_b = reduce(distance(cycled_a, real_a)), reduce(distance(cycled_b, real_b))
    if only_a:
        return weight * term_a
    if only_b:
        return weight * term_b
    return weight * ((term_a + term_b) / 2 if averaged else term_a + term_b)


def _cycle_case(seed=9):
    rng = np.random.default_rng(seed)
    real_a, real_b = (np.tanh(rng.normal(0, 1, (4, 6, 6, 1))) for _ in range(2))
    cycled_a = np.clip(real_a + rng.normal(0, 0.3, real_a.shape), -1, 1)
    cycled_b = np.clip(real_b + rng.normal(0, 0.8, real_b.shape), -1, 1)  # B's cycle is worse: the terms differ
    return real_a, cycled_a, real_b, cycled_b


def check_cycle_loss(fn) -> Feedback:
    """Mark ``fn(real_a, cycled_a, real_b, cycled_b)`` -> mean |cycled_a - real_a| + mean |cycled_b - real_b|."""
    case = _cycle_case()
    got = _traced(fn, case, "your cycle loss")
    if isinstance(got, Feedback):
        return got
    truth = reference_cycle_loss(*case)
    if got.shape != ():
        if got.shape == (len(case[0]),) and np.allclose(got, reference_cycle_loss(*case, per_image=True), rtol=1e-4):
            return wrong("you return one loss per image; return a single number, the mean over every pixel of every "
                         "image (ops.mean with no axis).")
        return wrong(f"return one number; yours has shape {got.shape}. Take the mean over every axis.")
    if np.isclose(got, truth, rtol=1e-4):
        return correct("L_cyc = mean |F(G(a)) - a| + mean |G(F(b)) - b|: each translator must keep enough of its input "
                       "for the other to bring it back. The next cells train CycleGAN with your loss.")
    mistakes = [
        (dict(l2=True), "you squared the differences (L2). CycleGAN uses the absolute error |F(G(a)) - a| (L1), which "
         "punishes a few badly reconstructed pixels less than L2 and blurs less."),
        (dict(only_a=True), "your loss has only the A -> B -> A term; add the way round from B: mean |cycled_b - real_b|."),
        (dict(only_b=True), "your loss has only the B -> A -> B term; add the way round from A: mean |cycled_a - real_a|."),
        (dict(summed=True), "you summed the absolute errors; take their mean over pixels and images, so that the weight "
         "lambda does not depend on the image size or the batch."),
        (dict(averaged=True), "you averaged the two terms; CycleGAN adds them: mean |F(G(a)) - a| + mean |G(F(b)) - b|."),
        (dict(wrong_pair=True), "you compared each real image with the other domain's cycle (cycled_b with real_a): "
         "compare F(G(a)) with a and G(F(b)) with b."),
    ]
    for keywords, message in mistakes:
        if np.isclose(got, reference_cycle_loss(*case, **keywords), rtol=1e-4):
            return wrong(message)
    for weight in (10.0, 5.0, 0.5):
        if np.isclose(got, reference_cycle_loss(*case, weight=weight), rtol=1e-4):
            return wrong(f"your loss is {weight:g} times the right one: leave the weight lambda out, CycleGAN multiplies "
                         "by cycle_weight itself.")
    return wrong(f"on the test case L_cyc is {truth:.4f}; yours gives {float(got):.4f}. "
                 "L_cyc = mean |cycled_a - real_a| + mean |cycled_b - real_b|.")


# -- the generators' least-squares adversarial loss ------------------------------------------------------------

def reference_adversarial_loss(fake_scores, target=1.0, absolute=False, summed=False, half=False, minus_log=False,
                               per_image=False):
    """mean (s - 1)^2 over every patch; the keywords make the usual mistakes."""
    scores = np.asarray(fake_scores, np.float64)
    if minus_log:
        values = np.logaddexp(0.0, -scores)  # the cross-entropy of notebook 01, softplus(-s)
    elif absolute:
        values = np.abs(scores - target)
    else:
        values = (scores - target) ** 2
    axes = tuple(range(1, scores.ndim)) if per_image else None
    value = values.sum(axis=axes) if summed else values.mean(axis=axes)
    return 0.5 * value if half else value


def check_adversarial_loss(fn) -> Feedback:
    """Mark ``fn(fake_scores)`` -> mean (fake_scores - 1)^2, the least-squares generator loss for one direction."""
    scores = np.random.default_rng(10).normal(0.3, 0.8, (4, 7, 7, 1))
    got = _traced(fn, [scores], "your adversarial loss")
    if isinstance(got, Feedback):
        return got
    truth = reference_adversarial_loss(scores)
    if got.shape != ():
        if got.shape == (len(scores),) and np.allclose(got, reference_adversarial_loss(scores, per_image=True), rtol=1e-4):
            return wrong("you return one loss per image; return a single number, the mean over every patch of every "
                         "image.")
        return wrong(f"return one number; yours has shape {got.shape}. Take the mean over every axis.")
    if np.isclose(got, truth, rtol=1e-4):
        return correct("the generator pushes D's score on each of its patches towards 1, the score D gives real patches. "
                       "Squares give a gradient that grows with the distance from 1, even where cross-entropy saturates.")
    mistakes = [
        (dict(target=0.0), "you pushed the scores towards 0, which is what D wants for generated patches. The generator "
         "wants them scored as real: mean (s - 1)^2."),
        (dict(target=-1.0), "real patches are scored 1 and generated ones 0 (not -1): use mean (s - 1)^2."),
        (dict(absolute=True), "you took |s - 1|; the least-squares loss squares it: mean (s - 1)^2."),
        (dict(summed=True), "you summed over the patches; take the mean over every patch of every image."),
        (dict(half=True), "you halved the loss; the 1/2 belongs to D's loss in CycleGAN. The generator's is mean (s - 1)^2."),
        (dict(minus_log=True), "you used the cross-entropy softplus(-s) of notebook 01; CycleGAN's discriminators are "
         "trained by least squares, so the generator's term is mean (s - 1)^2."),
    ]
    for keywords, message in mistakes:
        if np.isclose(got, reference_adversarial_loss(scores, **keywords), rtol=1e-4):
            return wrong(message)
    return wrong(f"on the test scores the loss is {truth:.4f}; yours gives {float(got):.4f}. It is mean (s - 1)^2 over "
                 "every patch.")


# -- the discriminators' least-squares loss --------------------------------------------------------------------

def reference_discriminator_loss(real_scores, fake_scores, swapped=False, no_half=False, summed=False,
                                 cross_entropy=False, minus_one=False, only_real=False):
    """1/2 mean (s_real - 1)^2 + 1/2 mean s_fake^2; the keywords make the usual mistakes."""
    real, fake = np.asarray(real_scores, np.float64), np.asarray(fake_scores, np.float64)
    if swapped:
        real, fake = fake, real
    if cross_entropy:  # notebook 01's -log D(x) - log(1 - D(G(z)))
        real_values, fake_values = np.logaddexp(0.0, -real), np.logaddexp(0.0, fake)
    else:
        real_values, fake_values = (real - 1.0) ** 2, (fake + 1.0) ** 2 if minus_one else fake**2
    reduce = np.sum if summed else np.mean
    value = reduce(real_values) if only_real else reduce(real_values) + reduce(fake_values)
    return value if no_half or cross_entropy else 0.5 * value  # notebook 01's loss has no 1/2


def check_discriminator_loss(fn) -> Feedback:
    """Mark ``fn(real_scores, fake_scores)`` -> 1/2 mean (real_scores - 1)^2 + 1/2 mean fake_scores^2."""
    rng = np.random.default_rng(11)
    real, fake = rng.normal(0.7, 0.5, (4, 7, 7, 1)), rng.normal(0.2, 0.5, (4, 7, 7, 1))
    got = _traced(fn, [real, fake], "your discriminator loss")
    if isinstance(got, Feedback):
        return got
    if got.shape != ():
        return wrong(f"return one number; yours has shape {got.shape}. Take the mean over every patch of every image.")
    truth = reference_discriminator_loss(real, fake)
    if np.isclose(got, truth, rtol=1e-4):
        return correct("D pushes the scores of real patches towards 1 and those of generated patches towards 0; the "
                       "1/2 halves its steps against the generators'. The swap below is judged with your loss.")
    mistakes = [
        (dict(no_half=True), "your loss is twice the right one: CycleGAN halves the discriminator's loss, "
         "1/2 mean (s_real - 1)^2 + 1/2 mean s_fake^2."),
        (dict(swapped=True), "you pushed real patches towards 0 and generated ones towards 1: the other way round."),
        (dict(minus_one=True), "generated patches are pushed towards 0, not -1: 1/2 mean s_fake^2."),
        (dict(summed=True), "you summed over the patches; take the mean over every patch of every image."),
        (dict(cross_entropy=True), "you used the cross-entropy of notebook 01; CycleGAN's discriminators are trained by "
         "least squares: 1/2 mean (s_real - 1)^2 + 1/2 mean s_fake^2."),
        (dict(only_real=True), "your loss has only the real term; add 1/2 mean s_fake^2 for the generated patches."),
    ]
    for keywords, message in mistakes:
        if np.isclose(got, reference_discriminator_loss(real, fake, **keywords), rtol=1e-4):
            return wrong(message)
    return wrong(f"on the test scores the loss is {truth:.4f}; yours gives {float(got):.4f}. It is "
                 "1/2 mean (s_real - 1)^2 + 1/2 mean s_fake^2 over every patch.")
