"""ganlab.course.exercises.nb10: every check passes the right answers and names each plausible wrong one."""
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from feedback_helpers import fails, not_written, passes
from ganlab import losses
from ganlab.course.exercises import nb10
from ganlab.experiments import control
from ganlab.training import ddim_step


# -- the gradient step on z -------------------------------------------------------------------------------------

def edit_step(generator, score, z, step_size, sign=1.0, per_row=True, training=False, only_step=False):
    z = tf.convert_to_tensor(z)
    with tf.GradientTape() as tape:
        tape.watch(z)
        total = tf.reduce_mean(score(generator(z, training=training)))  # a mean: the same direction as the sum
    g = tape.gradient(total, z)
    g = g / (tf.norm(g, axis=1, keepdims=True) if per_row else tf.norm(g))
    step = sign * step_size * g
    return step if only_step else z + step


def test_edit_step_right_answers():
    passes(nb10.check_edit_step(edit_step))
    passes(nb10.check_edit_step(control.edit_step))


@pytest.mark.parametrize("mistake, phrase", [
    (dict(sign=-1.0), "down"),
    (dict(per_row=False), "whole batch"),
    (dict(training=True), "training=False"),
    (dict(only_step=True), "step alone"),
], ids=["descent", "batch-norm", "training", "step-only"])
def test_edit_step_mistakes_are_named(mistake, phrase):
    fails(nb10.check_edit_step(lambda *args: edit_step(*args, **mistake)), phrase)


def test_edit_step_other_failures():
    fails(nb10.check_edit_step(not_written), "not written yet")

    def unnormalised(generator, score, z, step_size):
        z = tf.convert_to_tensor(z)
        with tf.GradientTape() as tape:
            tape.watch(z)
            total = tf.reduce_sum(score(generator(z, training=False)))
        return z + step_size * tape.gradient(total, z)

    fails(nb10.check_edit_step(unnormalised), "not normalised")
    fails(nb10.check_edit_step(lambda g, s, z, eta: z + eta * np.eye(3)[[0, 1, 2, 0, 1]]), "not along the gradient")
    fails(nb10.check_edit_step(lambda g, s, z, eta: z[:2]), "shape")


# -- the KL term ----------------------------------------------------------------------------------------------

def gaussian_kl(mean, log_variance, half=0.5, latent=ops.sum, batch=ops.mean, log_std=False, minus_one=1.0):
    variance = ops.exp(2 * log_variance) if log_std else ops.exp(log_variance)
    log_var = 2 * log_variance if log_std else log_variance
    return half * batch(latent(variance + ops.square(mean) - minus_one - log_var, axis=1))


def test_gaussian_kl_right_answers():
    passes(nb10.check_gaussian_kl(gaussian_kl))
    passes(nb10.check_gaussian_kl(losses.gaussian_kl))


@pytest.mark.parametrize("mistake, phrase", [
    (dict(half=1.0), "factor 1/2"),
    (dict(half=-0.5), "negative"),
    (dict(latent=ops.mean), "averaged over the code"),
    (dict(batch=ops.sum), "summed over the batch"),
    (dict(log_std=True), "log sigma^2"),
    (dict(minus_one=0.0), "-1 is missing"),
], ids=["half", "sign", "latent-mean", "batch-sum", "log-std", "minus-one"])
def test_gaussian_kl_mistakes_are_named(mistake, phrase):
    fails(nb10.check_gaussian_kl(lambda m, v: gaussian_kl(m, v, **mistake)), phrase)


def test_gaussian_kl_other_failures():
    fails(nb10.check_gaussian_kl(not_written), "not written yet")
    fails(nb10.check_gaussian_kl(lambda m, v: np.mean(np.sum(np.exp(np.asarray(v)), axis=1))), "keras.ops")
    fails(nb10.check_gaussian_kl(lambda m, v: 0.5 * ops.sum(ops.exp(v) + ops.square(m) - 1 - v, axis=1)), "one number")


# -- the DDIM step ----------------------------------------------------------------------------------------------

def learner_ddim(x_t, eps, alpha_bar, previous, root=np.sqrt, swap=False, divide=True, direction=True, sign=1.0):
    signal, noise = root(alpha_bar), root(1 - alpha_bar)
    if swap:
        signal, noise = noise, signal
    x0 = (x_t - noise * eps) / (signal if divide else 1.0)
    return root(previous) * x0 + (sign * root(1 - previous) * eps if direction else 0.0)


def test_ddim_step_right_answers():
    passes(nb10.check_ddim_step(learner_ddim))
    passes(nb10.check_ddim_step(ddim_step))


@pytest.mark.parametrize("mistake, phrase", [
    (dict(root=lambda v: v), "square roots"),
    (dict(swap=True), "swapped"),
    (dict(divide=False), "divided by sqrt(alpha_bar)"),
    (dict(direction=False), "is missing"),
    (dict(sign=-1.0), "wrong way"),
], ids=["no-root", "swapped", "no-division", "no-direction", "sign"])
def test_ddim_step_mistakes_are_named(mistake, phrase):
    fails(nb10.check_ddim_step(lambda *args: learner_ddim(*args, **mistake)), phrase)


def test_ddim_step_other_failures():
    fails(nb10.check_ddim_step(not_written), "not written yet")
    fails(nb10.check_ddim_step(lambda x, e, a, p: (x - np.sqrt(1 - a) * e) / np.sqrt(a)), "estimate of x_0")
    fails(nb10.check_ddim_step(lambda x, e, a, p: x[:1]), "shape")
    fails(nb10.check_ddim_step(lambda x, e, a, p: x), "Estimate x0_hat")
