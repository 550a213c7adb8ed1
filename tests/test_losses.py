"""ganlab.losses against values and gradients worked out by hand.

With D(x) = sigmoid(l): -log D = softplus(-l) and -log(1 - D) = softplus(l).
"""
import math

import numpy as np
import pytest
import tensorflow as tf

from ganlab import losses

LOG2 = math.log(2.0)


def softplus(x):
    return np.log1p(np.exp(np.asarray(x, dtype=np.float64)))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def value(t) -> float:
    return float(np.asarray(t))


# -- values at D = 1/2 (all logits 0) ------------------------------------------------------------------

def test_all_zero_logits_give_the_textbook_values():
    zeros = tf.zeros((16, 1))
    assert value(losses.discriminator_loss(zeros, zeros)) == pytest.approx(2 * LOG2, abs=1e-6)
    assert value(losses.minimax_generator_loss(zeros)) == pytest.approx(-LOG2, abs=1e-6)
    assert value(losses.non_saturating_generator_loss(zeros)) == pytest.approx(LOG2, abs=1e-6)
    assert value(losses.value_function(zeros, zeros)) == pytest.approx(-math.log(4), abs=1e-6)


def test_losses_are_scalars_and_means_not_sums():
    small, large = tf.fill((4, 1), 0.7), tf.fill((400, 1), 0.7)
    for fn in (losses.minimax_generator_loss, losses.non_saturating_generator_loss):
        assert np.shape(fn(small)) == ()
        assert value(fn(small)) == pytest.approx(value(fn(large)), abs=1e-6)
    assert np.shape(losses.discriminator_loss(small, small)) == ()
    assert value(losses.discriminator_loss(small, small)) == pytest.approx(
        value(losses.discriminator_loss(large, large)), abs=1e-6)


def test_hand_computed_values_on_mixed_logits():
    real = np.array([[2.0], [-1.0], [0.5]], np.float32)
    fake = np.array([[-3.0], [1.0]], np.float32)
    # L_D = mean(-log sigmoid(l_r)) + mean(-log(1 - sigmoid(l_f)))
    expected_d = np.mean(-np.log(sigmoid(real))) + np.mean(-np.log(1 - sigmoid(fake)))
    assert value(losses.discriminator_loss(real, fake)) == pytest.approx(expected_d, rel=1e-5)
    assert value(losses.minimax_generator_loss(fake)) == pytest.approx(np.mean(np.log(1 - sigmoid(fake))), rel=1e-5)
    assert value(losses.non_saturating_generator_loss(fake)) == pytest.approx(np.mean(-np.log(sigmoid(fake))),
                                                                             rel=1e-5)
    # and in softplus form, as the module docstring says
    assert expected_d == pytest.approx(np.mean(softplus(-real)) + np.mean(softplus(fake)), rel=1e-9)


def test_value_function_is_minus_discriminator_loss():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(32, 1)).astype(np.float32) * 3
    fake = rng.normal(size=(24, 1)).astype(np.float32) * 3
    assert value(losses.value_function(real, fake)) == pytest.approx(-value(losses.discriminator_loss(real, fake)),
                                                                      abs=1e-5)


def test_generator_losses_table():
    assert losses.GENERATOR_LOSSES == {
        "non_saturating": losses.non_saturating_generator_loss,
        "minimax": losses.minimax_generator_loss,
    }


# -- extreme logits -------------------------------------------------------------------------------

@pytest.mark.parametrize("big", [100.0, 1e4, 1e30])
def test_extreme_logits_stay_finite(big):
    pos, neg = tf.fill((4, 1), big), tf.fill((4, 1), -big)
    # D right and sure: loss ~0; D wrong and sure: loss ~ 2 * big; both finite (log(sigmoid) would give inf)
    right = value(losses.discriminator_loss(pos, neg))
    wrong = value(losses.discriminator_loss(neg, pos))
    assert right == pytest.approx(0.0, abs=1e-6)
    assert np.isfinite(wrong) and wrong == pytest.approx(2 * big, rel=1e-5)
    for fn in (losses.minimax_generator_loss, losses.non_saturating_generator_loss, ):
        assert np.isfinite(value(fn(pos))) and np.isfinite(value(fn(neg)))
    assert value(losses.non_saturating_generator_loss(neg)) == pytest.approx(big, rel=1e-5)
    assert value(losses.minimax_generator_loss(pos)) == pytest.approx(-big, rel=1e-5)
    assert np.isfinite(value(losses.value_function(neg, pos)))


# -- gradients --------------------------------------------------------------------------------------

LOGITS = np.array([-12.0, -3.0, -0.5, 0.0, 0.8, 4.0, 15.0], np.float32)


def grad(fn, logits):
    l = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = fn(l)
    return tape.gradient(loss, l).numpy().astype(np.float64)


def test_minimax_gradient_is_minus_sigmoid_over_n():
    n = len(LOGITS)
    np.testing.assert_allclose(grad(losses.minimax_generator_loss, LOGITS), -sigmoid(LOGITS) / n,
                               rtol=1e-5, atol=1e-9)


def test_non_saturating_gradient_is_minus_one_minus_sigmoid_over_n():
    n = len(LOGITS)
    np.testing.assert_allclose(grad(losses.non_saturating_generator_loss, LOGITS), -(1 - sigmoid(LOGITS)) / n,
                               rtol=1e-5, atol=1e-9)


def test_minimax_saturates_where_non_saturating_does_not():
    # D confidently rejects the fakes (logit -12): the minimax gradient all but vanishes
    rejected = np.array([-12.0], np.float32)
    assert abs(grad(losses.minimax_generator_loss, rejected)[0]) < 1e-4
    assert grad(losses.non_saturating_generator_loss, rejected)[0] == pytest.approx(-1.0, abs=1e-4)


def test_discriminator_loss_gradients():
    real = tf.Variable(LOGITS)
    fake = tf.Variable(LOGITS[::-1].copy())
    with tf.GradientTape() as tape:
        loss = losses.discriminator_loss(real, fake)
    g_real, g_fake = (g.numpy().astype(np.float64) for g in tape.gradient(loss, [real, fake]))
    n = len(LOGITS)
    np.testing.assert_allclose(g_real, -(1 - sigmoid(LOGITS)) / n, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(g_fake, sigmoid(LOGITS[::-1]) / n, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("fn", [losses.minimax_generator_loss, losses.non_saturating_generator_loss])
def test_gradients_finite_at_extreme_logits(fn):
    assert np.all(np.isfinite(grad(fn, np.array([-1e4, 1e4], np.float32))))


@pytest.mark.bad_input
@pytest.mark.parametrize("loss", [losses.discriminator_loss, losses.value_function])
@pytest.mark.parametrize("real, fake, error, match", [
    (np.zeros((4, 28, 28, 1), np.float32), np.zeros((4, 1), np.float32), ValueError, "real_logits must have shape"),
    (np.zeros((4, 1), np.float32), np.zeros((4, 2), np.float32), ValueError, "fake_logits must have shape"),
    (np.zeros((4, 1), np.int32), np.zeros((4, 1), np.float32), TypeError, "real_logits must be float"),
    (np.float32(0.0), np.zeros((4, 1), np.float32), ValueError, "real_logits must have shape"),
])
def test_discriminator_losses_refuse_what_is_not_logits(loss, real, fake, error, match):
    with pytest.raises(error, match=match):
        loss(real, fake)


@pytest.mark.bad_input
@pytest.mark.parametrize("loss", list(losses.GENERATOR_LOSSES.values()))
def test_generator_losses_refuse_images(loss):
    with pytest.raises(ValueError, match="fake_logits must have shape"):
        loss(np.zeros((4, 28, 28, 1), np.float32))
