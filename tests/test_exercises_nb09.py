"""ganlab.course.exercises.nb09: every check passes the right answers and explains each plausible wrong one."""
import pytest
from keras import ops

from feedback_helpers import fails, not_written, passes
from ganlab import losses
from ganlab.course.exercises import nb09


# -- the cycle-consistency loss ----------------------------------------------------------------------------------

def cycle(real_a, cycled_a, real_b, cycled_b, square=False, only_a=False, only_b=False, summed=False,
          averaged=False, per_image=False, weight=1.0, swap=False):
    """A learner's answer; the keywords make one mistake each."""
    if swap:
        cycled_a, cycled_b = cycled_b, cycled_a
    distance = ops.square if square else ops.abs
    axis = (1, 2, 3) if per_image else None
    reduce = (lambda x: ops.sum(x, axis=axis)) if summed else (lambda x: ops.mean(x, axis=axis))
    term_a, term_b = reduce(distance(cycled_a - real_a)), reduce(distance(cycled_b - real_b))
    if only_a:
        return weight * term_a
    if only_b:
        return weight * term_b
    return weight * ((term_a + term_b) / 2 if averaged else term_a + term_b)


def test_cycle_loss_right_answers():
    passes(nb09.check_cycle_loss(cycle))
    passes(nb09.check_cycle_loss(losses.cycle_consistency_loss))
    passes(nb09.check_cycle_loss(lambda ra, ca, rb, cb: ops.mean(ops.abs(ra - ca)) + ops.mean(ops.abs(cb - rb))))


@pytest.mark.parametrize("mistake, phrase", [
    (dict(square=True), "squared"),
    (dict(only_a=True), "only the A -> B -> A term"),
    (dict(only_b=True), "only the B -> A -> B term"),
    (dict(summed=True), "summed"),
    (dict(averaged=True), "averaged the two terms"),
    (dict(per_image=True), "one loss per image"),
    (dict(weight=10.0), "10 times"),
    (dict(swap=True), "other domain's cycle"),
], ids=["l2", "only-a", "only-b", "sum", "average", "per-image", "weighted", "swapped"])
def test_cycle_loss_mistakes_are_named(mistake, phrase):
    fails(nb09.check_cycle_loss(lambda *x: cycle(*x, **mistake)), phrase)


def test_cycle_loss_unwritten_numpy_and_none():
    fails(nb09.check_cycle_loss(not_written), "not written yet")
    fails(nb09.check_cycle_loss(lambda *x: None), "forget `return`")
    fails(nb09.check_cycle_loss(lambda ra, ca, rb, cb: ra.numpy().mean()), "tf.function")
    fails(nb09.check_cycle_loss(lambda *x: 0.3), "L_cyc is")
    fails(nb09.check_cycle_loss("cycle"), "the function itself")


# -- the adversarial loss ---------------------------------------------------------------------------------------

def adversarial(scores, target=1.0, absolute=False, summed=False, half=False, cross_entropy=False, per_image=False):
    if cross_entropy:
        values = ops.softplus(-scores)
    elif absolute:
        values = ops.abs(scores - target)
    else:
        values = ops.square(scores - target)
    axis = (1, 2, 3) if per_image else None
    value = ops.sum(values, axis=axis) if summed else ops.mean(values, axis=axis)
    return 0.5 * value if half else value


def test_adversarial_loss_right_answers():
    passes(nb09.check_adversarial_loss(adversarial))
    passes(nb09.check_adversarial_loss(losses.least_squares_generator_loss))
    passes(nb09.check_adversarial_loss(lambda s: ops.mean((1.0 - s) ** 2)))


@pytest.mark.parametrize("mistake, phrase", [
    (dict(target=0.0), "towards 0"),
    (dict(target=-1.0), "not -1"),
    (dict(absolute=True), "squares it"),
    (dict(summed=True), "summed"),
    (dict(half=True), "halved"),
    (dict(cross_entropy=True), "cross-entropy"),
    (dict(per_image=True), "one loss per image"),
], ids=["towards-fake", "minus-one", "absolute", "sum", "half", "bce", "per-image"])
def test_adversarial_loss_mistakes_are_named(mistake, phrase):
    fails(nb09.check_adversarial_loss(lambda s: adversarial(s, **mistake)), phrase)


def test_adversarial_loss_unwritten():
    fails(nb09.check_adversarial_loss(not_written), "not written yet")
    fails(nb09.check_adversarial_loss(lambda s: 1.0), "the loss is")


# -- the discriminators' loss -----------------------------------------------------------------------------------

def discriminator(real, fake, **mistake):
    values = {"real": ops.square(real - 1.0), "fake": ops.square(fake + 1.0 if mistake.get("minus_one") else fake)}
    if mistake.get("swapped"):
        values = {"real": ops.square(fake - 1.0), "fake": ops.square(real)}
    reduce = ops.sum if mistake.get("summed") else ops.mean
    value = reduce(values["real"]) + (0.0 if mistake.get("only_real") else reduce(values["fake"]))
    return value if mistake.get("no_half") else 0.5 * value


def test_discriminator_loss_right_answers():
    passes(nb09.check_discriminator_loss(discriminator))
    passes(nb09.check_discriminator_loss(losses.least_squares_discriminator_loss))


@pytest.mark.parametrize("mistake, phrase", [
    (dict(no_half=True), "twice the right one"),
    (dict(swapped=True), "the other way round"),
    (dict(minus_one=True), "not -1"),
    (dict(summed=True), "summed"),
    (dict(only_real=True), "only the real term"),
], ids=["no-half", "swapped", "minus-one", "sum", "only-real"])
def test_discriminator_loss_mistakes_are_named(mistake, phrase):
    fails(nb09.check_discriminator_loss(lambda r, f: discriminator(r, f, **mistake)), phrase)


def test_discriminator_loss_cross_entropy_and_unwritten():
    fails(nb09.check_discriminator_loss(lambda r, f: ops.mean(ops.softplus(-r)) + ops.mean(ops.softplus(f))),
          "cross-entropy")
    fails(nb09.check_discriminator_loss(not_written), "not written yet")
    fails(nb09.check_discriminator_loss(lambda r, f: ops.ones((4,))), "one number")
