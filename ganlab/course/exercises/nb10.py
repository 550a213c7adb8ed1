"""Checks for notebook 10 (GANs among generative models): the gradient step that edits z, the VAE's KL term,
and the deterministic DDIM step. Each answer is then used: the edits, the VAE's training and the diffusion
model's sampling run on the learner's functions."""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ganlab.course.exercises.feedback import Feedback, as_number, call, correct, wrong


# -- the gradient step on z ------------------------------------------------------------------------------------

def _edit_case():
    """A linear generator with batch norm whose running statistics differ from any batch's, and a quadratic score."""
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, use_bias=False),
                                  keras.layers.BatchNormalization()])
    kernel = np.array([[1.0, -0.5, 0.3, 0.0], [0.2, 1.0, -0.4, 0.6], [-0.7, 0.1, 0.9, 0.5]], np.float32)
    generator.layers[0].set_weights([kernel])
    gamma, beta, moving_mean, moving_variance = (np.array(v, np.float32) for v in
                                                 ([1.5, 0.5, 1.0, 2.0], [0.1, -0.2, 0.0, 0.3],
                                                  [0.5, -0.5, 0.2, 0.0], [4.0, 0.25, 1.0, 2.0]))
    generator.layers[1].set_weights([gamma, beta, moving_mean, moving_variance])
    aim = np.array([1.0, -1.0, 0.5, 2.0], np.float32)

    def score(images):  # higher when the "image" is nearer `aim`
        return -keras.ops.sum(keras.ops.square(images - aim), axis=1)

    z = np.random.default_rng(10).normal(0, 1, (5, 3)).astype(np.float32)
    return generator, score, z


def reference_edit_step(generator, score, z, step_size, sign=1.0, normalise="row", training=False,
                        gradient_only=False):
    """z + step_size g / ||g|| per row, g = d score / dz; the keywords make the usual mistakes."""
    z = tf.convert_to_tensor(z, tf.float32)
    weights = generator.get_weights()  # training=True moves batch norm's running statistics: put them back
    with tf.GradientTape() as tape:
        tape.watch(z)
        total = tf.reduce_sum(score(generator(z, training=training)))
    g = tape.gradient(total, z).numpy().astype(np.float64)
    generator.set_weights(weights)
    if normalise == "row":
        g = g / np.linalg.norm(g, axis=1, keepdims=True)
    elif normalise == "batch":
        g = g / np.linalg.norm(g)
    if gradient_only:
        return step_size * sign * g
    return z.numpy() + step_size * sign * g


def check_edit_step(fn) -> Feedback:
    """Mark ``fn(generator, score, z, step_size)`` -> z moved by ``step_size`` up the gradient of score(G(z))."""
    generator, score, z = _edit_case()
    step_size = 0.3
    truth = reference_edit_step(generator, score, z, step_size)
    weights = generator.get_weights()
    got = call(fn, generator, score, z.copy(), step_size, what="your edit_step")
    generator.set_weights(weights)
    if isinstance(got, Feedback):
        return got
    if got.shape != truth.shape:
        return wrong(f"return the new codes, shape {truth.shape} like z; yours has shape {got.shape}.")
    if np.allclose(got, truth, atol=1e-4):
        return correct("each code moves a distance step_size up the gradient of its own score, with the generator "
                       "in inference mode. The notebook's edits now run on your function.")
    mistakes = [
        (dict(sign=-1.0), "you step *down* the gradient, lowering the score: add the gradient to z (ascent)."),
        (dict(normalise=None), "the step is not normalised: divide each sample's gradient by its own norm, so every "
         "code moves exactly step_size (raw gradients are tiny where the classifier is confident, huge elsewhere)."),
        (dict(normalise="batch"), "you divided by the norm of the whole batch's gradient: normalise each sample's "
         "gradient by its own norm (axis=1, keepdims=True), so that every code moves step_size."),
        (dict(training=True), "the generator ran with training=True, so batch norm used this batch's statistics "
         "and the gradient is that of another function: call generator(z, training=False)."),
        (dict(gradient_only=True), "you returned the step alone; return z plus the step."),
        (dict(gradient_only=True, sign=-1.0), "you returned minus the step; return z plus the step."),
    ]
    for keywords, message in mistakes:
        if np.allclose(got, reference_edit_step(generator, score, z, step_size, **keywords), atol=1e-4):
            return wrong(message)
    moved = np.linalg.norm(got - z, axis=1)
    if not np.allclose(moved, step_size, atol=1e-3):
        return wrong(f"every code should move exactly step_size = {step_size}; yours moved {np.round(moved, 3).tolist()}.")
    return wrong("each code moved step_size, but not along the gradient of its score: g = tape.gradient(sum of "
                 "score(generator(z, training=False)), z), then z + step_size * g / ||g|| per row.")


# -- the VAE's KL term ---------------------------------------------------------------------------------------

def reference_gaussian_kl(mean, log_variance, half=0.5, sign=1.0, latent="sum", batch="mean", log_std=False,
                          minus_one=True):
    """KL(N(mean, exp(log_variance)) || N(0, I)); the keywords make the usual mistakes."""
    mean, log_variance = np.asarray(mean, np.float64), np.asarray(log_variance, np.float64)
    variance, log_var = (np.exp(2 * log_variance), 2 * log_variance) if log_std else (np.exp(log_variance),
                                                                                      log_variance)
    terms = variance + mean**2 - (1.0 if minus_one else 0.0) - log_var
    per_sample = getattr(np, latent)(terms, axis=1)
    return sign * half * getattr(np, batch)(per_sample)


def _kl_case():
    rng = np.random.default_rng(11)
    return rng.normal(0, 1, (4, 3)).astype(np.float32), rng.normal(0, 0.7, (4, 3)).astype(np.float32)


def check_gaussian_kl(fn) -> Feedback:
    """Mark ``fn(mean, log_variance)`` -> KL(q || N(0, I)), summed over the code, averaged over the batch."""
    if not callable(fn):
        return wrong(f"pass the function itself (its name, without brackets), got {fn!r}.")
    prior = call(fn, tf.zeros((2, 3)), tf.zeros((2, 3)), what="your gaussian_kl")
    if isinstance(prior, Feedback):
        return prior
    mean, log_variance = _kl_case()
    try:
        got = tf.function(fn)(tf.constant(mean), tf.constant(log_variance))
    except Exception as error:  # the learner's code failed inside tf.function
        return wrong(f"your gaussian_kl raised {type(error).__name__}: {str(error)[:200]}. It runs inside the VAE's "
                     "training step, on tensors: use keras.ops (ops.exp, ops.square, ops.sum, ops.mean), not NumPy.")
    got = as_number(got, "your gaussian_kl")
    if isinstance(got, Feedback):
        return got
    truth = reference_gaussian_kl(mean, log_variance)
    if got.shape != ():
        return wrong(f"return one number (the batch's mean of each sample's KL), not shape {got.shape}.")
    if np.isclose(got, truth, rtol=1e-4) and np.isclose(float(np.asarray(prior).sum()), 0.0, atol=1e-6):
        return correct("KL = 1/2 sum (sigma^2 + mu^2 - 1 - log sigma^2), 0 when q is the prior. The VAE below trains "
                       "on your function.")
    mistakes = [
        (dict(half=1.0), "you left out the factor 1/2."),
        (dict(sign=-1.0), "your KL is negative: a KL divergence is >= 0. The ELBO subtracts it; the loss adds it."),
        (dict(latent="mean"), "you averaged over the code's dimensions; sum over them (the KL of independent "
         "dimensions adds up), and average over the batch only."),
        (dict(batch="sum"), "you summed over the batch; average over it, as the reconstruction term is."),
        (dict(log_std=True), "you read log_variance as log sigma: it is log sigma^2, so sigma^2 = exp(log_variance)."),
        (dict(minus_one=False), "the -1 is missing: without it the KL of the prior with itself is not 0."),
    ]
    for keywords, message in mistakes:
        if np.isclose(got, reference_gaussian_kl(mean, log_variance, **keywords), rtol=1e-4):
            return wrong(message)
    return wrong(f"on the test values the KL is {truth:.4f}; yours gives {float(got):.4f}. "
                 "KL = 1/2 sum_j (exp(log_var_j) + mean_j^2 - 1 - log_var_j), then the mean over the batch.")


# -- the DDIM step ----------------------------------------------------------------------------------------------

def reference_ddim_step(x_t, eps, alpha_bar, alpha_bar_previous, no_root=False, swapped=False, no_division=False,
                        no_direction=False, only_x0=False, eps_sign=1.0):
    """Deterministic DDIM (eta = 0); the keywords make the usual mistakes."""
    root = (lambda v: v) if no_root else np.sqrt
    signal, noise = root(alpha_bar), root(1 - alpha_bar)
    if swapped:
        signal, noise = noise, signal
    x0 = x_t - noise * eps if no_division else (x_t - noise * eps) / signal
    if only_x0:
        return x0
    direction = 0.0 if no_direction else root(1 - alpha_bar_previous) * eps * eps_sign
    return root(alpha_bar_previous) * x0 + direction


def _ddim_case():
    rng = np.random.default_rng(12)
    x0, eps = rng.uniform(-1, 1, (3, 4, 4, 1)), rng.standard_normal((3, 4, 4, 1))
    alpha_bar, previous = 0.3, 0.8
    return np.sqrt(alpha_bar) * x0 + np.sqrt(1 - alpha_bar) * eps, eps, alpha_bar, previous, x0


def check_ddim_step(fn) -> Feedback:
    """Mark ``fn(x_t, predicted_noise, alpha_bar, alpha_bar_previous)`` -> x at the earlier step, deterministic DDIM."""
    x_t, eps, alpha_bar, previous, x0 = _ddim_case()
    got = call(fn, x_t.copy(), eps.copy(), alpha_bar, previous, what="your ddim_step")
    if isinstance(got, Feedback):
        return got
    truth = reference_ddim_step(x_t, eps, alpha_bar, previous)
    if got.shape != truth.shape:
        return wrong(f"return an array of x_t's shape {truth.shape}; yours has shape {got.shape}.")
    if np.allclose(got, truth, atol=1e-5):
        return correct("with the true noise, your step lands exactly on the forward path: sqrt(alpha_bar_prev) x_0 "
                       "+ sqrt(1 - alpha_bar_prev) eps. The diffusion model below samples with your function.")
    mistakes = [
        (dict(no_root=True), "the square roots are missing: x_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps, "
         "so the step uses sqrt(alpha_bar) and sqrt(1 - alpha_bar), not alpha_bar and 1 - alpha_bar."),
        (dict(swapped=True), "sqrt(alpha_bar) and sqrt(1 - alpha_bar) are swapped in the estimate of x_0: the "
         "signal is scaled by sqrt(alpha_bar), the noise by sqrt(1 - alpha_bar)."),
        (dict(no_division=True), "x0_hat must be divided by sqrt(alpha_bar): x0_hat = (x_t - sqrt(1 - alpha_bar) eps) "
         "/ sqrt(alpha_bar)."),
        (dict(no_direction=True), "the term sqrt(1 - alpha_bar_prev) eps is missing: the earlier step still holds "
         "noise, and DDIM keeps the predicted noise for it (it adds no new noise)."),
        (dict(only_x0=True), "you returned the estimate of x_0: scale it by sqrt(alpha_bar_prev) and add "
         "sqrt(1 - alpha_bar_prev) eps for the step alpha_bar_previous belongs to."),
        (dict(eps_sign=-1.0), "the noise term points the wrong way: add + sqrt(1 - alpha_bar_prev) eps."),
    ]
    for keywords, message in mistakes:
        if np.allclose(got, reference_ddim_step(x_t, eps, alpha_bar, previous, **keywords), atol=1e-5):
            return wrong(message)
    if np.allclose(got, x0, atol=1e-5):
        return wrong("you returned x_0 itself; step only to alpha_bar_previous.")
    return wrong("with the true noise the step should give sqrt(alpha_bar_prev) x_0 + sqrt(1 - alpha_bar_prev) eps; "
                 "yours does not. Estimate x0_hat from x_t and eps first, then combine.")
