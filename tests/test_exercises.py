"""ganlab.exercises.nb01: every check passes the right answer and explains each plausible wrong one."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganlab import losses, metrics
from feedback_helpers import fails, not_written, passes
from ganlab.exercises import nb01




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
