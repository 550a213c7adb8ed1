"""Probes of one moment of GAN training: what the generator's gradient is, and what D knows (notebook 01).

* :func:`generator_gradient_norm`: the norm of the generator's loss gradient with respect to
  its weights, for the minimax or the non-saturating loss, on the GAN's current D. The
  minimax loss's gradient vanishes when D confidently rejects the fakes (Goodfellow et al.,
  2014, section 3; Arjovsky and Bottou, 2017, section 2.2).
* :func:`jensen_shannon_estimate`: the Jensen-Shannon divergence read off a discriminator,
  JS ~ log 2 + E_data[log D] / 2 + E_g[log(1 - D)] / 2 = log 2 + V(D, G) / 2. Exact for the
  optimal D*; for any other D it is a lower bound (V(D, G) <= V(D*, G)), so a weak D near
  1/2 gives an estimate near 0 whatever p_g is.
* :func:`discriminator_gap`: how far a discriminator is from the analytic D* on a 1-D mixture.
* :func:`look`: all of these at one moment of a 1-D GAN's training, for the game's own D and for a
  copy of it trained to (near) optimality against the frozen generator.
"""
from __future__ import annotations

import dataclasses
import math

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from scipy import stats

from ganlab import losses, metrics
from ganlab.experiments import sampling
from ganlab._checks import one_of, positive_float, positive_int
from ganlab.metrics.toy import optimal_discriminator, scores, support_grid


def generator_gradient_norm(gan, loss: str = "non_saturating", n: int = 1024, seed: int = 0) -> float:
    """||d L_G / d theta_G||: the norm of G's loss gradient over all its trainable weights.

    Args:
        gan: a :class:`ganlab.training.GAN`; its discriminator is used as it is (inference mode).
        loss: ``"non_saturating"`` (-E[log D(G(z))]) or ``"minimax"`` (E[log(1 - D(G(z)))]),
            whichever loss the GAN itself trains with.
        n: noise vectors in the batch; ``seed`` fixes them.
    """
    loss_fn = losses.GENERATOR_LOSSES[one_of("loss", loss, losses.GENERATOR_LOSSES)]
    positive_int("n", n, example=1024)
    noise = tf.constant(gan.fixed_noise(n, seed))
    variables = gan.generator.trainable_variables
    with tf.GradientTape() as tape:
        value = loss_fn(gan.discriminator(gan.generator(noise, training=False), training=False))
    gradients = tape.gradient(value, variables)
    return float(math.sqrt(sum(float(tf.reduce_sum(tf.square(g))) for g in gradients if g is not None)))


def jensen_shannon_estimate(discriminator, real: np.ndarray, fake: np.ndarray) -> float:
    """log 2 + (E_real[log D] + E_fake[log(1 - D)]) / 2, in nats, from D's logits on the two samples.

    With D = D* this is JS(p_data || p_g) (Goodfellow et al., 2014, Theorem 1: V(D*, G) =
    -log 4 + 2 JS). With any other D it is lower: D = 1/2 everywhere gives exactly 0.
    Computed with softplus on the logits, so a very sure D gives a finite value.
    """
    real_logits = scores(discriminator, real).astype(np.float64)
    fake_logits = scores(discriminator, fake).astype(np.float64)
    # log D = -softplus(-l), log(1 - D) = -softplus(l)
    value = -np.mean(np.logaddexp(0, -real_logits)) - np.mean(np.logaddexp(0, fake_logits))
    return float(math.log(2) + value / 2)


def generated_density(fake: np.ndarray, points: np.ndarray, bandwidth: float = 0.1) -> np.ndarray:
    """p_g at ``points`` from 1-D generated samples ``fake``: a Gaussian KDE with a fixed ``bandwidth``.

    A fixed, narrow bandwidth rather than Scott's rule: Scott's rule scales with the spread
    of the whole sample (about 2 for two modes at +-2), which blurs each mode of width 0.5
    and makes p_g look closer to p_data than it is. Use tens of thousands of samples.
    """
    bandwidth = positive_float("bandwidth", bandwidth)
    fake = np.asarray(fake, dtype=np.float64).ravel()
    if fake.size < 2 or np.std(fake) == 0:
        raise ValueError("fake must hold at least two distinct values to estimate a density "
                         "(a generator that outputs one constant has collapsed completely).")
    return stats.gaussian_kde(fake, bw_method=bandwidth / np.std(fake, ddof=1))(np.asarray(points, np.float64).ravel())


def discriminator_gap(discriminator, mixture, fake: np.ndarray, n: int = 400, bandwidth: float = 0.1) -> float:
    """Mean |D(x) - D*(x)| over a 1-D ``mixture``'s support, weighted by p_data + p_g.

    D* = p_data / (p_data + p_g) uses the exact p_data and :func:`generated_density` of
    the generated samples ``fake`` for p_g; the weight counts the points where either
    distribution has mass. 0 when D is the optimal discriminator.
    """
    xs = support_grid(mixture, n, width=5.0)
    p_data, p_g = mixture.density(xs), generated_density(fake, xs, bandwidth)
    d = 1.0 / (1.0 + np.exp(-scores(discriminator, xs[:, None]).astype(np.float64)))
    weights = p_data + p_g
    return float(np.sum(np.abs(d - optimal_discriminator(p_data, p_g)) * weights) / np.sum(weights))


def draw_discriminators(mixture, fake: np.ndarray, discriminators: dict, ax=None, title: str | None = None,
                        bandwidth: float = 0.1, legend: bool = True):
    """p_data and p_g (densities, left axis) with D*(x) and each of ``discriminators`` ({label: model}, right axis).

    D* = p_data / (p_data + p_g) is drawn dotted where either density has mass, from the
    exact p_data and :func:`generated_density` of ``fake``. ``legend=False`` leaves out the legend
    (for all but one panel of a figure).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    xs = support_grid(mixture, 400, width=5.0)
    p_data, p_g = mixture.density(xs), generated_density(fake, xs, bandwidth)
    ax.fill_between(xs, p_data, alpha=0.25, color="tab:blue", label="p_data")
    ax.plot(xs, p_g, color="tab:green", label="p_g")
    ax.set_ylabel("density")
    ax.set_xlabel("x")
    twin = ax.twinx()
    d_star = optimal_discriminator(p_data, p_g)
    total = p_data + p_g
    d_star[total < 0.02 * total.max()] = np.nan  # 0/0 where neither has mass: not drawn
    twin.plot(xs, d_star, color="black", ls=":", lw=1.5, label="D* (analytic)")
    for (label, model), color in zip(discriminators.items(), ["tab:red", "tab:orange", "tab:purple"]):
        d = 1.0 / (1.0 + np.exp(-scores(model, xs[:, None]).astype(np.float64)))
        twin.plot(xs, d, color=color, label=label)
    twin.axhline(0.5, color="grey", lw=0.8, ls="--")
    twin.set_ylim(0, 1)
    twin.set_ylabel("D(x)")
    if legend:
        lines, more = ax.get_legend_handles_labels(), twin.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=6, loc="upper left")
    if title:
        ax.set_title(title)
    return ax


@dataclasses.dataclass(frozen=True)
class Look:
    """What the discriminators know at one moment of a 1-D GAN's training (see :func:`look`)."""

    w1: float                # W1(p_g, p_data), between generated and held-out real samples
    distance_from_half: float  # mean |D - 1/2| of the game's D over the data (metrics.distance_from_half)
    gap_game: float          # mean |D - D*| of the game's D (discriminator_gap)
    gap_refit: float         # the same for the refitted D
    js_game: float           # the JS estimate from the game's D (jensen_shannon_estimate)
    js_refit: float          # ... from the refitted D
    js_densities: float      # JS computed from p_data and the KDE of p_g (metrics.js_divergence)
    fake: np.ndarray         # the generated samples used, (n, 1)
    refit: object            # the refitted discriminator (a keras.Model)


def look(gan, mixture, held_out: np.ndarray, refit_steps: int = 1000, n: int = 20_000, seed: int = 0) -> Look:
    """Measure a 1-D ``gan`` now: its D, and a copy of D trained on against the frozen generator.

    The copy is trained for ``refit_steps`` steps on batches of 1,024 real and fresh generated
    samples (:func:`ganlab.experiments.sampling.refit_discriminator`), which brings it close to D*. p_g is
    estimated from ``n`` generated samples; ``held_out`` real samples (not used for the refit)
    and 5,000 of the generated ones give W1 and the JS estimates. The GAN is not changed.
    """
    refit_steps = positive_int("refit_steps", refit_steps, example=1000)
    n = positive_int("n", n, minimum=5000, example=20_000)
    fake = gan.sample(n, seed=seed + 2)
    refit_real = mixture.sample(n, seed=seed + 3)
    refit = sampling.refit_discriminator(gan, refit_real, steps=refit_steps, batch_size=1024, learning_rate=3e-3,
                                         seed=seed)
    xs = metrics.support_grid(mixture, 800, width=5.0)
    return Look(
        w1=metrics.wasserstein_1d(fake, held_out),
        distance_from_half=metrics.distance_from_half(gan, mixture),
        gap_game=discriminator_gap(gan.discriminator, mixture, fake),
        gap_refit=discriminator_gap(refit, mixture, fake),
        js_game=jensen_shannon_estimate(gan.discriminator, held_out, fake[:5000]),
        js_refit=jensen_shannon_estimate(refit, held_out, fake[:5000]),
        js_densities=metrics.js_divergence(mixture.density(xs), generated_density(fake, xs), xs),
        fake=fake,
        refit=refit,
    )
