"""Checks for notebook 01 (vanilla GAN)."""
from __future__ import annotations

import math

import numpy as np

from ganlab import losses
from ganlab.exercises.feedback import Feedback, call, correct, wrong

_RNG = np.random.default_rng(1)
_REAL = _RNG.normal(1.0, 2.0, size=(32, 1)).astype(np.float32)
_FAKE = _RNG.normal(-1.0, 2.0, size=(32, 1)).astype(np.float32)


def _close(a, b, tol=1e-4):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=tol, atol=tol)


def check_discriminator_loss(fn) -> Feedback:
    """Mark ``fn(real_logits, fake_logits)``: the discriminator's binary cross-entropy on logits."""
    import tensorflow as tf

    real, fake = tf.constant(_REAL), tf.constant(_FAKE)
    result = call(fn, real, fake, what="your discriminator loss")
    if isinstance(result, Feedback):
        return result
    expected = float(losses.discriminator_loss(real, fake))
    if result.size != 1:
        return wrong(f"the loss must be one number (the mean over the batch), got an array of shape {result.shape}. "
                     "Average with tf.reduce_mean or keras.ops.mean.")
    value = float(result)
    if _close(value, float(losses.discriminator_loss(fake, real))):
        return wrong("the labels are swapped: real samples should be pushed towards D = 1 (loss -log D(x)) and "
                     "fake ones towards D = 0 (loss -log(1 - D(G(z)))).")
    if _close(value, -expected):
        return wrong("the sign is flipped: that is the value function V, which D maximises; the loss to minimise is -V.")
    if _close(value, expected * 64) or _close(value, expected * 32):
        return wrong("this is a sum over the batch; use the mean so the loss does not grow with the batch size.")
    if not _close(value, expected):
        return wrong(f"on a test batch your loss gives {value:.4f}, the right value is {expected:.4f}. Remember "
                     "-log(sigmoid(l)) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l).")
    zero = call(fn, tf.zeros((4, 1)), tf.zeros((4, 1)), what="your discriminator loss")
    if isinstance(zero, Feedback) or not _close(float(zero), 2 * math.log(2)):
        return wrong("with every logit 0 (D = 1/2 everywhere) the loss must be 2 log 2 = 1.386.")
    # D confidently wrong (real -200, fake +200): the right loss is 400; log(sigmoid(l)) underflows to log(0).
    big = call(fn, tf.fill((4, 1), -200.0), tf.fill((4, 1), 200.0), what="your discriminator loss")
    if isinstance(big, Feedback) or not np.isfinite(big).all():
        return wrong("with very confident logits (+-200) the loss is not finite: log(sigmoid(l)) underflows to "
                     "log(0). Use softplus on the logits instead of taking log of probabilities.")
    return correct(f"your loss matches ({value:.4f}), gives 2 log 2 at D = 1/2 and stays finite for extreme logits.")


def _check_generator_loss(fn, reference, other, other_name: str, name: str) -> Feedback:
    import tensorflow as tf

    fake = tf.constant(_FAKE)
    result = call(fn, fake, what=f"your {name} loss")
    if isinstance(result, Feedback):
        return result
    if result.size != 1:
        return wrong(f"the loss must be one number (the mean over the batch), got shape {result.shape}.")
    value, expected = float(result), float(reference(fake))
    if _close(value, float(other(fake))):
        return wrong(f"that is the {other_name} loss. Look again at which log the generator's loss takes.")
    if _close(value, -expected):
        return wrong("the sign is flipped: the generator minimises this loss, so it must fall as D(G(z)) rises.")
    if not _close(value, expected):
        return wrong(f"on a test batch your loss gives {value:.4f}, the right value is {expected:.4f}.")
    big = call(fn, tf.fill((4, 1), -200.0), what=f"your {name} loss")
    if isinstance(big, Feedback) or not np.isfinite(big).all():
        return wrong("when D rejects the samples with logit -200 your loss is not finite. Write it with softplus.")
    return correct(f"your {name} loss matches ({value:.4f}) and stays finite when D is very sure.")


def check_non_saturating_loss(fn) -> Feedback:
    """Mark ``fn(fake_logits)``: the non-saturating generator loss -E[log D(G(z))]."""
    return _check_generator_loss(fn, losses.non_saturating_generator_loss, losses.minimax_generator_loss,
                                 "minimax (saturating)", "non-saturating")


def check_optimal_discriminator(fn) -> Feedback:
    """Mark ``fn(p_data, p_g)``: the optimal discriminator D* for two densities given as arrays."""
    p_data = np.array([0.4, 0.1, 0.0, 0.25, 1.0])
    p_g = np.array([0.1, 0.4, 0.3, 0.25, 0.0])
    result = call(fn, p_data, p_g, what="your optimal discriminator")
    if isinstance(result, Feedback):
        return result
    expected = p_data / (p_data + p_g)
    if result.shape != expected.shape:
        return wrong(f"D* must have one value per point, shape {expected.shape}; got shape {result.shape}.")
    if _close(result, p_g / (p_data + p_g)):
        return wrong("this is p_g / (p_data + p_g), the probability of being fake. D outputs the probability of "
                     "being real.")
    with np.errstate(divide="ignore", invalid="ignore"):
        if _close(np.nan_to_num(result, posinf=-1), np.nan_to_num(p_data / p_g, posinf=-1)):
            return wrong("p_data / p_g is a likelihood ratio, not a probability: it can exceed 1. Normalise it.")
    if not _close(result, expected):
        return wrong(f"for p_data = {p_data.tolist()} and p_g = {p_g.tolist()} D* should be "
                     f"{np.round(expected, 3).tolist()}, yours is {np.round(result, 3).tolist()}.")
    if not _close(result[3], 0.5):
        return wrong("where p_data = p_g, D* must be exactly 1/2.")
    return correct("D*(x) = p_data(x) / (p_data(x) + p_g(x)): 1/2 where the densities agree, 1 where only real "
                   "data lives, 0 where only generated samples do.")


def check_equilibrium_value(value) -> Feedback:
    """Mark a number: the value function V(D*, G) when p_g = p_data."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return wrong(f"give a number, got {value!r}.")
    if math.isclose(value, -math.log(4), abs_tol=1e-3):
        return correct("V = log(1/2) + log(1/2) = -log 4 = -1.386: the minimum of the generator's game "
                       "(Goodfellow et al., 2014, Theorem 1).")
    if math.isclose(value, math.log(4), abs_tol=1e-3):
        return wrong("the sign: log(1/2) is negative.")
    if math.isclose(value, -math.log(2), abs_tol=1e-3):
        return wrong("V has two expectations, one over real data and one over generated samples; "
                     "each contributes log(1/2).")
    return wrong(f"{value:.4f} is not it. At the equilibrium D = 1/2 everywhere: put that into "
                 "E[log D(x)] + E[log(1 - D(G(z)))].")
