"""Measuring a GAN on toy data: how far D is from 1/2, how far p_g is from p_data, what a critic learnt.

Every number here is computed from samples, densities or the trained networks,
never assumed. Notebook 01 uses the 1-D measures; notebook 03 the divergences,
the exact Wasserstein distance between samples and the critic's gradients.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from scipy import optimize, spatial, special, stats

from ganlab import losses
from ganlab._checks import positive_int
from ganlab.models.networks import predict


def kde_density(samples: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Estimate the density of 1-D ``samples`` (n,) or (n, 1) at ``points`` with a Gaussian KDE (Scott's bandwidth)."""
    samples = np.asarray(samples, dtype=np.float64).ravel()
    if samples.size < 2 or np.std(samples) == 0:
        raise ValueError("samples must hold at least two distinct values to estimate a density "
                         "(a generator that outputs one constant has collapsed completely).")
    return stats.gaussian_kde(samples)(np.asarray(points, dtype=np.float64).ravel())


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Goodfellow et al., 2014, Proposition 1).

    Where both densities are 0 D* is undefined; it is returned as 1/2 there.
    """
    p_data, p_g = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def support_grid(mixture, n: int = 400, width: float = 4.0) -> np.ndarray:
    """Points (n,) covering the support of a 1-D mixture: every mode +- ``width`` standard deviations."""
    positive_int("n", n, example=400)
    centers = mixture.centers[:, 0]
    return np.linspace(centers.min() - width * mixture.std, centers.max() + width * mixture.std, n)


def distance_from_half(gan, mixture, n: int = 400) -> float:
    """Mean |D(x) - 1/2| over the data, weighted by p_data: 0 at the equilibrium, 1/2 at most.

    Computed on a grid over the support of a 1-D ``mixture`` from the trained
    discriminator, so it measures how well D can still tell real from fake
    where the real data lives.
    """
    xs = support_grid(mixture, n)
    weights = mixture.density(xs)
    return float(np.sum(np.abs(gan.discriminate(xs) - 0.5) * weights) / np.sum(weights))


def wasserstein_1d(samples: np.ndarray, reference: np.ndarray) -> float:
    """The 1-D Wasserstein-1 (earth mover's) distance between two samples (scipy.stats)."""
    return float(stats.wasserstein_distance(np.ravel(samples), np.ravel(reference)))


def js_divergence(p: np.ndarray, q: np.ndarray, xs: np.ndarray) -> float:
    """The Jensen-Shannon divergence (nats) between two 1-D densities given on the evenly spaced grid ``xs``.

    JS(p, q) = KL(p || m) / 2 + KL(q || m) / 2 with m = (p + q) / 2, integrated by the
    rectangle rule after normalising each density on the grid. It lies in [0, log 2],
    and equals log 2 exactly when p and q do not overlap.
    """
    xs = np.asarray(xs, dtype=np.float64).ravel()
    p, q = np.asarray(p, dtype=np.float64).ravel(), np.asarray(q, dtype=np.float64).ravel()
    if not p.shape == q.shape == xs.shape or xs.size < 2:
        raise ValueError(f"p, q and xs must be 1-D arrays of one length >= 2, got {p.shape}, {q.shape}, {xs.shape}.")
    if (p < 0).any() or (q < 0).any() or p.sum() == 0 or q.sum() == 0:
        raise ValueError("p and q must be densities: non-negative, and not zero everywhere on xs.")
    step = xs[1] - xs[0]
    p, q = p / (p.sum() * step), q / (q.sum() * step)
    m = (p + q) / 2
    return float(0.5 * step * (special.rel_entr(p, m).sum() + special.rel_entr(q, m).sum()))


def wasserstein_empirical(a: np.ndarray, b: np.ndarray) -> float:
    """The exact Wasserstein-1 distance between two equal-size samples (n, d), for any dimension d.

    With n points on each side and equal weights, the optimal transport plan is a
    one-to-one assignment (Birkhoff's theorem), found here by
    ``scipy.optimize.linear_sum_assignment`` on the Euclidean distances: W1 is the
    mean distance between matched points. Cost grows as n^3; n up to a few thousand.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    a, b = (a[:, None] if a.ndim == 1 else a), (b[:, None] if b.ndim == 1 else b)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"a and b must be samples of one shape (n, d), got {a.shape} and {b.shape}.")
    if not 1 <= len(a) <= 5000:
        raise ValueError(f"a and b must hold between 1 and 5000 samples (the assignment costs n^3), got {len(a)}: "
                         "pass a random subset.")
    cost = spatial.distance.cdist(a, b)
    rows, cols = optimize.linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def critic_estimate(critic, real: np.ndarray, fake: np.ndarray) -> float:
    """A critic's estimate of W1: mean f(real) - mean f(fake), on the given samples."""
    return float(np.mean(scores(critic, real)) - np.mean(scores(critic, fake)))


def scores(model, x, batch_size: int = 1024) -> np.ndarray:
    """``model(x)`` in inference mode, in batches, as a NumPy array (n,).

    A direct call rather than ``model.predict``: predict builds a new traced function
    for every model, and a notebook that trains several critics in a loop would
    print TensorFlow's retracing warnings.
    """
    x = np.asarray(x, np.float32)
    return predict(model, x, batch_size).reshape(len(x))


def layer_gradient_norms(critic, real: np.ndarray, fake: np.ndarray) -> np.ndarray:
    """The norm of the critic loss's gradient with respect to each layer's activations, input side first.

    One value per layer with a kernel (Dense, Conv): the gradient of
    E[f(fake)] - E[f(real)] on the given samples with respect to that layer's
    output, as in Gulrajani et al. (2017, figure 1b). Under weight clipping these
    norms shrink or grow geometrically from the output down to the input; with the
    gradient penalty they stay level.
    """
    chosen = [layer for layer in critic.layers if getattr(layer, "kernel", None) is not None]
    if not chosen:
        raise ValueError("critic has no layers with a kernel (Dense or Conv): nothing to measure.")
    inputs = critic.inputs[0] if len(critic.inputs) == 1 else critic.inputs
    probe = keras.Model(inputs, [layer.output for layer in chosen])
    with tf.GradientTape() as tape:
        real_out = keras.tree.flatten(probe(np.asarray(real, np.float32), training=False))
        fake_out = keras.tree.flatten(probe(np.asarray(fake, np.float32), training=False))
        loss = losses.wasserstein_critic_loss(real_out[-1], fake_out[-1])
    gradients = tape.gradient(loss, [real_out, fake_out])
    return np.array([float(tf.sqrt(tf.reduce_sum(tf.square(r)) + tf.reduce_sum(tf.square(f))))
                     for r, f in zip(*gradients)])
