"""ganlab.course.exercises.nb01: every check passes the right answer and explains each plausible wrong one."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganlab import losses, metrics
from feedback_helpers import fails, not_written, passes
from ganlab.course.exercises import nb01




def forgot_return(*args):
    tf.reduce_mean(args[0])


def crashes(*args):
    return 1 / 0


def mean(t):
    return tf.reduce_mean(t)


softplus = tf.nn.softplus

# -- the discriminator loss ------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [
    losses.discriminator_loss,
    lambda r, f: mean(softplus(-r)) + mean(softplus(f)),
    lambda r, f: (keras.losses.BinaryCrossentropy(from_logits=True)(tf.ones_like(r), r)
                  + keras.losses.BinaryCrossentropy(from_logits=True)(tf.zeros_like(f), f)),
], ids=["ganlab", "softplus", "keras-bce"])
def test_discriminator_loss_right_answers(answer):
    passes(nb01.check_discriminator_loss(answer))


@pytest.mark.parametrize("answer, phrase", [
    (lambda r, f: mean(softplus(r)) + mean(softplus(-f)), "the labels are swapped"),
    (lambda r, f: -(mean(softplus(-r)) + mean(softplus(f))), "the sign is flipped"),
    (lambda r, f: tf.reduce_sum(softplus(-r)) + tf.reduce_sum(softplus(f)), "this is a sum over the batch"),
    (lambda r, f: -mean(tf.math.log(tf.sigmoid(r))) - mean(tf.math.log(1 - tf.sigmoid(f))), "is not finite"),
    (lambda r, f: softplus(-r) + softplus(f), "the loss must be one number"),
    (lambda r, f: mean(softplus(-r)), "the right value is"),
    (not_written, "is not written yet"),
    (forgot_return, "returned None: did you forget `return`?"),
    (crashes, "raised ZeroDivisionError"),
    (lambda r, f: "loss", "it must return a number or a tensor"),
    (losses.discriminator_loss(tf.zeros(2), tf.zeros(2)), "pass the function itself"),
], ids=["swapped", "sign", "sum", "log-sigmoid", "per-sample", "real-only", "not-implemented", "none", "crash",
        "string", "not-callable"])
def test_discriminator_loss_wrong_answers(answer, phrase):
    fails(nb01.check_discriminator_loss(answer), phrase)


def test_log_sigmoid_really_overflows():
    """The naive answer is right on ordinary logits: only the extreme case gives it away."""
    naive = lambda r, f: -mean(tf.math.log(tf.sigmoid(r))) - mean(tf.math.log(1 - tf.sigmoid(f)))  # noqa: E731
    r, f = tf.constant([[0.3], [-1.2]]), tf.constant([[0.5], [2.0]])
    assert float(naive(r, f)) == pytest.approx(float(losses.discriminator_loss(r, f)), rel=1e-5)
    assert not np.isfinite(float(naive(tf.fill((4, 1), -200.0), tf.fill((4, 1), 200.0))))


# -- the non-saturating generator loss ----------------------------------------------------------------------


@pytest.mark.parametrize("answer", [
    losses.non_saturating_generator_loss,
    lambda f: mean(softplus(-f)),
    lambda f: keras.losses.BinaryCrossentropy(from_logits=True)(tf.ones_like(f), f),
], ids=["ganlab", "softplus", "keras-bce"])
def test_non_saturating_right_answers(answer):
    passes(nb01.check_non_saturating_loss(answer))


@pytest.mark.parametrize("answer, phrase", [
    (losses.minimax_generator_loss, "that is the minimax (saturating) loss"),
    (lambda f: mean(tf.math.log(1 - tf.sigmoid(f))), "that is the minimax (saturating) loss"),
    (lambda f: -mean(softplus(-f)), "the sign is flipped"),
    (lambda f: -mean(tf.math.log(tf.sigmoid(f))), "your loss is not finite"),
    (lambda f: softplus(-f), "the loss must be one number"),
    (lambda f: tf.reduce_sum(softplus(-f)), "the right value is"),
    (not_written, "is not written yet"),
    (forgot_return, "did you forget `return`?"),
], ids=["minimax", "log-one-minus-d", "sign", "log-sigmoid", "per-sample", "sum", "not-implemented", "none"])
def test_non_saturating_wrong_answers(answer, phrase):
    fails(nb01.check_non_saturating_loss(answer), phrase)


# -- the optimal discriminator ----------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [
    lambda p_data, p_g: p_data / (p_data + p_g),
    metrics.optimal_discriminator,
    lambda p_data, p_g: tf.constant(p_data) / (tf.constant(p_data) + tf.constant(p_g)),
], ids=["numpy", "ganlab", "tensor"])
def test_optimal_discriminator_right_answers(answer):
    passes(nb01.check_optimal_discriminator(answer))


@pytest.mark.parametrize("answer, phrase", [
    (lambda p_data, p_g: p_g / (p_data + p_g), "this is p_g / (p_data + p_g)"),
    (lambda p_data, p_g: p_data / p_g, "p_data / p_g is a likelihood ratio"),
    (lambda p_data, p_g: np.mean(p_data / (p_data + p_g)), "D* must have one value per point"),
    (lambda p_data, p_g: p_data / (p_data + p_g + 1.0), "D* should be"),
    (lambda p_data, p_g: np.sqrt(p_data / (p_data + p_g)), "D* should be"),
    (not_written, "is not written yet"),
    (lambda p_data, p_g: None, "returned None"),
], ids=["p_g-over-sum", "ratio", "mean", "off-by-one", "sqrt", "not-implemented", "none"])
def test_optimal_discriminator_wrong_answers(answer, phrase):
    with np.errstate(divide="ignore", invalid="ignore"):
        fails(nb01.check_optimal_discriminator(answer), phrase)


# -- the value at the equilibrium --------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [-math.log(4), 2 * math.log(0.5), -1.3863, np.float32(-math.log(4)),
                                    tf.constant(-math.log(4))], ids=["exact", "two-logs", "rounded", "np", "tf"])
def test_equilibrium_value_right_answers(answer):
    passes(nb01.check_equilibrium_value(answer))


@pytest.mark.parametrize("answer, phrase", [
    (math.log(4), "the sign"),
    (-math.log(2), "V has two expectations"),
    (0.5, "is not it"),
    (0.0, "is not it"),
    ("-log 4", "give a number"),
    (None, "give a number"),
], ids=["plus-log4", "one-log", "half", "zero", "string", "none"])
def test_equilibrium_value_wrong_answers(answer, phrase):
    fails(nb01.check_equilibrium_value(answer), phrase)


# -- one training step (exercise 5) ----------------------------------------------------------------------------
# Each answer is written the way a learner would write it; the check must accept the right ones and name the
# mistake in each wrong one.

bce = keras.losses.BinaryCrossentropy(from_logits=True)


def apply(optimizer, tape, loss, model):
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))


def right_step(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g):
    fake = generator(noise_d)
    with tf.GradientTape() as tape:
        d_loss = mean(softplus(-discriminator(real))) + mean(softplus(discriminator(fake)))
    apply(discriminator_optimizer, tape, d_loss, discriminator)
    with tf.GradientTape() as tape:
        g_loss = mean(softplus(-discriminator(generator(noise_g))))
    apply(generator_optimizer, tape, g_loss, generator)
    return d_loss, g_loss


def keras_bce_step(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g):
    with tf.GradientTape() as tape:  # fakes made inside D's tape: D's gradient is the same
        real_logits, fake_logits = discriminator(real, training=True), discriminator(generator(noise_d), training=True)
        d_loss = bce(tf.ones_like(real_logits), real_logits) + bce(tf.zeros_like(fake_logits), fake_logits)
    apply(discriminator_optimizer, tape, d_loss, discriminator)
    with tf.GradientTape() as tape:
        fake_logits = discriminator(generator(noise_g, training=True), training=True)
        g_loss = bce(tf.ones_like(fake_logits), fake_logits)
    apply(generator_optimizer, tape, g_loss, generator)
    return d_loss, g_loss


@pytest.mark.parametrize("answer", [nb01.reference_train_step, right_step, keras_bce_step, tf.function(right_step)],
                         ids=["reference", "softplus", "keras-bce", "tf-function"])
def test_train_step_right_answers(answer):
    passes(nb01.check_train_step(answer))


def swapped_labels(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g):
    fake = generator(noise_d)
    with tf.GradientTape() as tape:
        d_loss = mean(softplus(discriminator(real))) + mean(softplus(-discriminator(fake)))
    apply(discriminator_optimizer, tape, d_loss, discriminator)
    with tf.GradientTape() as tape:
        g_loss = mean(softplus(-discriminator(generator(noise_g))))
    apply(generator_optimizer, tape, g_loss, generator)
    return d_loss, g_loss


def with_generator_loss(generator_loss):
    def step(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g):
        fake = generator(noise_d)
        with tf.GradientTape() as tape:
            d_loss = losses.discriminator_loss(discriminator(real), discriminator(fake))
        apply(discriminator_optimizer, tape, d_loss, discriminator)
        with tf.GradientTape() as tape:
            g_loss = generator_loss(discriminator(real), discriminator(generator(noise_g)))
        apply(generator_optimizer, tape, g_loss, generator)
        return d_loss, g_loss
    return step


minimax = with_generator_loss(lambda real_logits, fake_logits: mean(tf.math.log(1 - tf.sigmoid(fake_logits))))
minus_d_loss = with_generator_loss(lambda real_logits, fake_logits: -losses.discriminator_loss(real_logits, fake_logits))
d_loss_for_g = with_generator_loss(losses.discriminator_loss)


def one_tape(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g):
    with tf.GradientTape() as tape:
        d_loss = losses.discriminator_loss(discriminator(real), discriminator(generator(noise_d)))
        g_loss = losses.non_saturating_generator_loss(discriminator(generator(noise_g)))
    apply(discriminator_optimizer, tape, d_loss, discriminator)
    apply(generator_optimizer, tape, g_loss, generator)  # a second gradient from a non-persistent tape
    return d_loss, g_loss


def persistent_tape(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g):
    with tf.GradientTape(persistent=True) as tape:
        d_loss = losses.discriminator_loss(discriminator(real), discriminator(generator(noise_d)))
        g_loss = losses.non_saturating_generator_loss(discriminator(generator(noise_g)))
    apply(discriminator_optimizer, tape, d_loss, discriminator)
    apply(generator_optimizer, tape, g_loss, generator)  # G's loss was recorded with D's old weights
    return d_loss, g_loss


def tutorial_style(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g):
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:  # TensorFlow's DCGAN tutorial
        fake_logits = discriminator(generator(noise_d))
        g_loss = losses.non_saturating_generator_loss(fake_logits)
        d_loss = losses.discriminator_loss(discriminator(real), fake_logits)
    apply(generator_optimizer, g_tape, g_loss, generator)
    apply(discriminator_optimizer, d_tape, d_loss, discriminator)
    return d_loss, g_loss


def without(network):
    def step(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g):
        with tf.GradientTape() as tape:
            d_loss = losses.discriminator_loss(discriminator(real), discriminator(generator(noise_d)))
        if network not in ("discriminator", "both"):
            apply(discriminator_optimizer, tape, d_loss, discriminator)
        with tf.GradientTape() as tape:
            g_loss = losses.non_saturating_generator_loss(discriminator(generator(noise_g)))
        if network not in ("generator", "both"):
            apply(generator_optimizer, tape, g_loss, generator)
        return d_loss, g_loss
    return step


def generator_moved_by_d_step(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d,
                              noise_g):
    with tf.GradientTape() as tape:
        d_loss = losses.discriminator_loss(discriminator(real), discriminator(generator(noise_d)))
    gradients = tape.gradient(d_loss, discriminator.trainable_variables + generator.trainable_variables)
    n = len(discriminator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(gradients[:n], discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(gradients[n:], generator.trainable_variables))
    with tf.GradientTape() as tape:
        g_loss = losses.non_saturating_generator_loss(discriminator(generator(noise_g)))
    apply(generator_optimizer, tape, g_loss, generator)
    return d_loss, g_loss


def one_optimizer_for_both(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d,
                           noise_g):
    with tf.GradientTape() as tape:
        d_loss = losses.discriminator_loss(discriminator(real), discriminator(generator(noise_d)))
    apply(discriminator_optimizer, tape, d_loss, discriminator)
    with tf.GradientTape() as tape:
        g_loss = losses.non_saturating_generator_loss(discriminator(generator(noise_g)))
    apply(discriminator_optimizer, tape, g_loss, generator)
    return d_loss, g_loss


def generator_first(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g):
    with tf.GradientTape() as tape:
        g_loss = losses.non_saturating_generator_loss(discriminator(generator(noise_g)))
    apply(generator_optimizer, tape, g_loss, generator)
    with tf.GradientTape() as tape:
        d_loss = losses.discriminator_loss(discriminator(real), discriminator(generator(noise_d)))
    apply(discriminator_optimizer, tape, d_loss, discriminator)
    return d_loss, g_loss


def noises(d_noise, g_noise):
    def step(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g):
        pick = {"d": noise_d, "g": noise_g}
        with tf.GradientTape() as tape:
            d_loss = losses.discriminator_loss(discriminator(real), discriminator(generator(pick[d_noise])))
        apply(discriminator_optimizer, tape, d_loss, discriminator)
        with tf.GradientTape() as tape:
            g_loss = losses.non_saturating_generator_loss(discriminator(generator(pick[g_noise])))
        apply(generator_optimizer, tape, g_loss, generator)
        return d_loss, g_loss
    return step


def loss_outside_tape(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g):
    d_loss = losses.discriminator_loss(discriminator(real), discriminator(generator(noise_d)))
    with tf.GradientTape() as tape:
        pass
    apply(discriminator_optimizer, tape, d_loss, discriminator)
    return d_loss, d_loss


def returning(what):
    def step(*args):
        d_loss, g_loss = nb01.reference_train_step(*args)
        return {"swapped": (g_loss, d_loss), "none": None, "one": d_loss, "per-sample": (d_loss * tf.ones(4), g_loss),
                "zeros": (0.0, 0.0)}[what]
    return step


@pytest.mark.parametrize("answer, phrase", [
    (swapped_labels, "the labels are swapped in the discriminator's loss"),
    (minimax, "the generator was updated with the minimax loss"),
    (minus_d_loss, "the generator was updated with the minimax loss"),
    (d_loss_for_g, "the generator's update lowers the discriminator's loss"),
    (one_tape, "One tape gives gradients only once"),
    (persistent_tape, "the generator's gradient was taken with the discriminator's weights from before"),
    (tutorial_style, "both losses come from one forward pass on the same fakes"),
    (without("discriminator"), "the discriminator's weights did not change"),
    (without("generator"), "the generator's weights did not change"),
    (without("both"), "neither network's weights changed"),
    (generator_moved_by_d_step, "the discriminator's update also changed the generator"),
    (one_optimizer_for_both, "An optimizer got the other network's weights"),
    (generator_first, "the generator was updated before the discriminator"),
    (noises("d", "d"), "the generator's update reused noise_d"),
    (noises("g", "g"), "the discriminator's fakes were made from noise_g"),
    (loss_outside_tape, "compute the loss inside the `with tf.GradientTape() as tape:` block"),
    (returning("swapped"), "the losses come back in the wrong order"),
    (returning("none"), "the step returned None"),
    (returning("one"), "return the two losses as a pair"),
    (returning("per-sample"), "a returned loss has shape (4,)"),
    (returning("zeros"), "Return the loss that each tape recorded"),
    (not_written, "is not written yet"),
    (crashes, "raised ZeroDivisionError"),
    (nb01.reference_train_step(*nb01._networks(nb01._step_case()[0]), *nb01._step_case()[1:]),
     "pass the function itself"),
], ids=["swapped-labels", "minimax", "minus-d-loss", "d-loss-for-g", "one-tape", "persistent-tape", "tutorial",
        "no-d-update", "no-g-update", "no-update", "g-moved-by-d-step", "one-optimizer", "g-first", "noise-d-twice",
        "noise-g-twice", "loss-outside-tape", "returns-swapped", "returns-none", "returns-one", "returns-per-sample",
        "returns-zeros", "not-implemented", "crash", "not-callable"])
def test_train_step_wrong_answers(answer, phrase):
    fails(nb01.check_train_step(answer), phrase)


def test_the_train_step_mistakes_are_told_apart_by_a_wide_margin():
    """Every mistake moves the weights at least 20 times the tolerance away from the right step and each other."""
    weights, _, _, _ = nb01._step_case()
    before = [np.concatenate([np.ravel(w) for w in weights[name]]) for name in ("generator", "discriminator")]
    outcomes = {mistake: nb01._run_step(lambda *a, m=mistake: nb01._step(*a, mistake=m), "a step")[:2]
                for mistake in [None, *nb01._STEP_MISTAKES]}
    scales = [np.abs(after - start).max() for after, start in zip(outcomes[None], before)]
    names = list(outcomes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            gap = max(np.abs(x - y).max() / scale for x, y, scale in zip(outcomes[a], outcomes[b], scales))
            assert gap > 20 * nb01._STEP_MATCH, (a, b, gap)
