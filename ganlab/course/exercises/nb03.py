"""Checks for notebook 03 (WGAN): the Wasserstein distance of two samples, the gradient penalty, weight clipping;
and :func:`wgan_with_penalty`, the WGAN-GP that notebook 03 trains with the learner's own penalty."""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from scipy import stats

from ganlab.course.exercises.feedback import Feedback, call, correct, wrong
from ganlab.training import WGAN


def _close(value, expected, tolerance=1e-3) -> bool:
    return bool(np.all(np.abs(np.asarray(value) - expected) <= tolerance * max(1.0, abs(expected))))


def check_wasserstein_1d(fn) -> Feedback:
    """Mark ``fn(a, b)``: the Wasserstein-1 distance between two 1-D samples of equal size."""
    rng = np.random.default_rng(0)
    base = rng.standard_normal(500)
    cases = [
        ("b is a shifted by 2", base, base + 2.0),
        ("b is a stretched three times (same mean)", base, 3.0 * rng.permutation(base)),
        ("two independent samples of one distribution", base, rng.standard_normal(500)),
        ("a uniform and an exponential sample", rng.uniform(0, 2, 500), rng.exponential(1.0, 500)),
    ]
    for description, a, b in cases:
        got = call(fn, a.copy(), b.copy(), what="your function")
        if isinstance(got, Feedback):
            return got
        if got.size != 1:
            return wrong(f"return one number, the distance; got an array of shape {got.shape}.")
        expected = stats.wasserstein_distance(a, b)
        if _close(got, expected):
            continue
        value = float(got)
        if _close(value, np.mean(np.abs(a - b))):
            hint = ("that pairs a[i] with b[i] in the order given. The cheapest transport moves the smallest point "
                    "of a to the smallest of b, and so on: sort both samples first.")
        elif _close(value, abs(a.mean() - b.mean())):
            hint = ("that is the distance between the means only; it misses differences in spread. Sort both "
                    "samples and average |a_sorted - b_sorted|.")
        elif _close(value, np.mean((np.sort(a) - np.sort(b)) ** 2)):
            hint = "W1 averages the distances |a_i - b_i| of matched points, not their squares."
        else:
            hint = "sort both samples, then take the mean of |a_sorted - b_sorted|."
        return wrong(f"when {description}, W1 is {expected:.4f}, yours gives {value:.4f}. {hint}")
    return correct("in one dimension the optimal transport matches sorted samples, so W1 is the mean gap between "
                   "them. It grows smoothly as the samples move apart, however far.")


class _Linear:
    """f(x) = <w, x>: its gradient is w everywhere."""

    def __init__(self, w):
        self.w = keras.ops.convert_to_tensor(np.asarray(w, np.float32))

    def __call__(self, x, training=False):
        return keras.ops.sum(x * self.w, axis=tuple(range(1, len(x.shape))))[:, None]


class _Quadratic:
    """f(x) = |x|^2 / 2: its gradient is x itself."""

    def __call__(self, x, training=False):
        return 0.5 * keras.ops.sum(keras.ops.square(x), axis=tuple(range(1, len(x.shape))))[:, None]


def _penalty(fn, critic, real, fake, seed):
    keras.utils.set_random_seed(seed)
    return call(fn, critic, real, fake, what="your gradient_penalty")


def _in_graph(fn):
    """``fn`` run inside a ``tf.function`` on a linear critic of gradient norm 2 (penalty exactly 10), or Feedback."""
    rng = np.random.default_rng(1)
    direction = rng.standard_normal((4, 4, 1))
    critic = _Linear(2.0 * direction / np.linalg.norm(direction))
    real, fake = (tf.constant(rng.standard_normal((8, 4, 4, 1)), tf.float32) for _ in range(2))
    try:
        value = tf.function(lambda: fn(critic, real, fake), autograph=False)()
        value = float(np.asarray(value).reshape(-1)[0])
    except Exception as error:  # .numpy() or NumPy calls on tensors fail in a traced step
        last = [line.strip() for line in str(error).splitlines() if line.strip()][-1:] or [""]
        return wrong(f"your gradient_penalty is right when called directly, but section 5 trains the critic with it "
                     f"inside a traced training step (tf.function), where it raised {type(error).__name__}: "
                     f"{last[0][:160].rstrip('.')}. Use TensorFlow operations throughout (no .numpy(), no NumPy "
                     "functions on tensors), and tf.shape(real)[0] for the batch size.")
    if not _close(value, 10.0):
        return wrong(f"inside a tf.function your penalty gives {value:.4g} for a critic whose gradient norm is 2 "
                     "everywhere, where it should give 10 * (2 - 1)^2 = 10, as it does when called directly.")
    return None


def wgan_with_penalty(penalty, generator, critic, critic_steps: int = 5, **kwargs):
    """A WGAN-GP whose critic is trained with ``penalty(critic, real, fake)`` (notebook 03's exercise 3).

    Everything else is :class:`ganlab.training.WGAN` with ``constraint="gradient_penalty"``: the same
    optimizers and logging, the penalty logged as ``gradient_penalty``; only the critic's loss changes, to
    ``wasserstein_critic_loss(real_scores, fake_scores) + penalty(critic, real, fake)``. ``penalty``
    must include lambda and work inside a ``tf.function`` (the check of exercise 3 tests both).
    """
    penalty_fn = penalty
    if not callable(penalty_fn):
        raise TypeError(f"penalty must be a function (critic, real, fake) -> one number, got {penalty!r}.")

    class YourPenaltyWGAN(WGAN):
        def penalty(self, real, fake, draw=0):  # WGAN adds it to the critic's loss and logs it
            return penalty_fn(self.critic, real, fake)

    return YourPenaltyWGAN(generator, critic, constraint="gradient_penalty", critic_steps=critic_steps, **kwargs)


def check_gradient_penalty(fn) -> Feedback:
    """Mark ``fn(critic, real, fake)``: the WGAN-GP penalty with lambda = 10, alpha ~ U[0, 1] per sample.

    It must also work inside a ``tf.function``: notebook 03 trains its MNIST critic with it
    (:func:`wgan_with_penalty`).
    """
    shape = (4, 4, 1)
    n = 16384
    rng = np.random.default_rng(0)
    direction = rng.standard_normal(shape)
    direction /= np.linalg.norm(direction)
    real = rng.standard_normal((n, *shape)).astype(np.float32)
    fake = rng.standard_normal((n, *shape)).astype(np.float32)

    # A linear critic whose gradient has norm 2 (or 0.5) everywhere: the penalty is exact whatever alpha is.
    for norm, expected in ((2.0, 10.0), (0.5, 2.5)):
        got = _penalty(fn, _Linear(norm * direction), real, fake, seed=0)
        if isinstance(got, Feedback):
            return got
        if got.size != 1:
            return wrong(f"return one number (the mean over the batch), got an array of shape {got.shape}.")
        value = float(got)
        if _close(value, expected):
            continue
        if _close(value, expected / 10):
            return wrong("multiply by lambda = 10: the penalty is 10 * mean((||grad|| - 1)^2).")
        if norm == 0.5 and _close(value, 0.0):
            return wrong("for a critic whose gradient norm is 0.5 everywhere the penalty is 10 * (0.5 - 1)^2 = 2.5; "
                         "yours gives 0. The paper's penalty is two-sided: it pulls norms below 1 up as well.")
        if _close(value, 10 * (norm ** 2 - 1) ** 2):
            return wrong("take the square root of the summed squared gradient: the norm, not its square.")
        return wrong(f"for a linear critic whose gradient has norm {norm} everywhere, the penalty is "
                     f"10 * ({norm} - 1)^2 = {expected}; yours gives {value:.4g}. Take the norm of each sample's "
                     "gradient over all its axes (height, width and channels), not along one axis.")

    # f(x) = |x|^2 / 2 between real points of norm 5 and fake points at 0: ||grad f(x_hat)|| = 5 * alpha.
    r = 5.0
    real = np.broadcast_to(r * direction, (n, *shape)).astype(np.float32)
    fake = np.zeros((n, *shape), np.float32)
    expected = 10 * (r ** 2 / 3 - r + 1)  # 10 E[(5 alpha - 1)^2] = 43.3 for alpha ~ U[0, 1]
    values = []
    for seed in (1234, 98765, 424242, 7777777):
        got = _penalty(fn, _Quadratic(), real, fake, seed)
        if isinstance(got, Feedback):
            return got
        values.append(float(got))
    values = np.array(values)
    if np.all(np.abs(values - expected) < 2.0):
        # Section 5 trains the critic with this function inside a traced training step: it must work there too.
        in_graph = _in_graph(fn)
        if isinstance(in_graph, Feedback):
            return in_graph
        return correct(f"for x_hat between real and fake with alpha ~ U[0, 1] this case's penalty is {expected:.1f} "
                       "in expectation, and yours stays within 2 of it on four batches: a uniform alpha per sample, "
                       "the norm over all axes, lambda = 10. Section 5 trains the MNIST critic with it.")
    normal = 10 * (r ** 2 - 2 * r * np.sqrt(2 / np.pi) + 1)  # alpha ~ N(0, 1): ||grad|| = 5 |alpha|
    if np.all(np.abs(values - normal) < 15):
        return wrong("your interpolation weights look normally distributed: alpha must be uniform in [0, 1] "
                     "(tf.random.uniform), so that x_hat lies on the segment between a real and a fake sample.")
    if values.std() > 1.5:
        return wrong("your penalty changes a lot from batch to batch: draw one alpha per sample, shape "
                     "(batch, 1, 1, 1), not one for the whole batch.")
    if np.all(np.abs(values - 10 * (r / 2 - 1) ** 2) < 0.5):
        return wrong("alpha seems fixed at 1/2: draw it at random, uniformly in [0, 1], for every sample.")
    if np.all(np.abs(values - 10 * (r - 1) ** 2) < 2.0) or np.all(np.abs(values - 10.0) < 0.5):
        return wrong("the gradient must be taken at the interpolates x_hat, not at the real or the fake samples.")
    return wrong(f"with alpha ~ U[0, 1] this case has penalty {expected:.2f} in expectation; yours gives "
                 f"{', '.join(f'{v:.2f}' for v in values)}. Check x_hat = alpha * real + (1 - alpha) * fake.")


def check_clip_weights(fn) -> Feedback:
    """Mark ``fn(model, c)``: clip every trainable weight of ``model`` into [-c, c] in place."""
    c = 0.01
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3)(inputs)
    outputs = keras.layers.Dense(1)(keras.layers.BatchNormalization()(hidden))
    model = keras.Model(inputs, outputs)
    kernel = np.array([[0.5, -0.3, 0.004], [-0.002, 0.02, -0.05], [0.0, 0.009, -0.009], [1.5, -2.0, 0.001]],
                      np.float32)
    model.layers[1].kernel.assign(kernel)
    model.layers[1].bias.assign(np.array([0.2, -0.005, -0.7], np.float32))
    before = {id(v): np.array(v.numpy()) for v in model.weights}
    moving = [v for v in model.non_trainable_variables]
    try:
        fn(model, c)
    except NotImplementedError:
        return wrong("clipping is not written yet: replace `raise NotImplementedError` with your code.")
    except Exception as error:  # the learner's code failed: say how
        return wrong(f"your function raised {type(error).__name__}: {error}. Loop over model.trainable_variables "
                     "and use variable.assign(...).")
    kernel_after = model.layers[1].kernel.numpy()
    if np.array_equal(kernel_after, kernel):
        return wrong("the model's weights did not change: assign the clipped values back with "
                     "variable.assign(keras.ops.clip(variable, -c, c)); computing them is not enough.")
    expected = np.clip(kernel, -c, c)
    if np.allclose(np.abs(kernel_after), np.abs(expected)) and not np.allclose(kernel_after, expected):
        return wrong("the signs changed: clip into [-c, c], keeping negative weights negative.")
    if np.allclose(kernel_after, np.where(np.abs(kernel) > c, 0.0, kernel)):
        return wrong("weights outside the range must become -c or c (the nearest bound), not 0.")
    inside = np.abs(kernel) <= c
    if not np.allclose(kernel_after[inside], kernel[inside]):
        return wrong("weights already inside [-c, c] must stay as they are: clip, do not rescale the whole tensor.")
    if not np.allclose(kernel_after, expected):
        return wrong(f"after clipping with c = {c}, the kernel should be {expected.tolist()}, yours is "
                     f"{np.round(kernel_after, 4).tolist()}.")
    for variable in model.trainable_variables:
        if np.abs(variable.numpy()).max() > c + 1e-7:
            return wrong(f"{variable.path} still has values outside [-c, c]: clip every trainable weight, biases "
                         "and normalisation parameters included.")
    for variable in moving:
        if not np.array_equal(variable.numpy(), before[id(variable)]):
            return wrong(f"{variable.path} is not a parameter (batch norm's running statistics) and must not be "
                         "clipped: loop over model.trainable_variables, not model.weights.")
    return correct("every trainable weight now lies in [-c, c], the rest untouched. Clipping bounds the critic's "
                   "Lipschitz constant, but only crudely: notebook 03 shows what it costs.")
