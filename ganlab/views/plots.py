"""Figures for the notebooks, each drawn from data: samples, densities, discriminator outputs, curves."""
from __future__ import annotations

import math

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from ganlab import losses, metrics
from ganlab._checks import one_of, positive_int


def _axes(ax, figsize=(5, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def density_1d(gan, mixture, n_samples: int = 5000, ax=None, title: str | None = None):
    """p_data, p_g (KDE of generated samples), D(x) and D*(x) = p_data / (p_data + p_g) on one axis."""
    ax = _axes(ax)
    xs = metrics.support_grid(mixture, 400, width=5.0)
    p_data = mixture.density(xs)
    generated = gan.sample(n_samples, seed=1).ravel()
    p_g = metrics.kde_density(generated, xs)
    ax.fill_between(xs, p_data, alpha=0.25, color="tab:blue", label="p_data")
    ax.plot(xs, p_g, color="tab:green", label="p_g (KDE of samples)")
    twin = ax.twinx()
    twin.plot(xs, gan.discriminate(xs), color="tab:red", label="D(x)")
    d_star = metrics.optimal_discriminator(p_data, p_g)
    total = p_data + p_g
    d_star[total < 0.02 * total.max()] = np.nan  # D* is 0/0 where neither density has mass: not drawn
    twin.plot(xs, d_star, color="tab:red", ls=":", label="D*(x)")
    twin.axhline(0.5, color="grey", lw=0.8, ls="--")
    twin.set_ylim(0, 1)
    twin.set_ylabel("D(x)")
    ax.set_ylabel("density")
    ax.set_xlabel("x")
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="upper left")
    if title:
        ax.set_title(title)
    return ax


def plane(reach: float, resolution: int = 120):
    """A square grid over [-reach, reach]^2: the mesh (xx, yy) and its points (resolution^2, 2) as float32."""
    grid = np.linspace(-reach, reach, resolution, dtype=np.float32)
    xx, yy = np.meshgrid(grid, grid)
    return xx, yy, np.stack([xx.ravel(), yy.ravel()], 1)


def discriminator_heatmap(ax, gan, reach: float, resolution: int = 120, colorbar: bool = True):
    """D(x) over [-reach, reach]^2 as a heat map (red: D says real, blue: fake), drawn behind what follows.

    ``gan`` is a GAN, or a discriminator alone (a model that returns logits).
    """
    xx, _, points = plane(reach, resolution)
    if hasattr(gan, "discriminate"):
        d = gan.discriminate(points)
    else:
        d = keras.ops.convert_to_numpy(keras.ops.sigmoid(gan(points, training=False)))
    d = np.asarray(d).reshape(xx.shape)
    image = ax.imshow(d, extent=(-reach, reach, -reach, reach), origin="lower", cmap="RdBu_r", vmin=0, vmax=1,
                      alpha=0.6)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="D(x)")
    return image


def _finish_plane(ax, reach: float, title: str | None, markerscale: float = 4):
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach)
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="upper right", markerscale=markerscale)
    if title:
        ax.set_title(title)
    return ax


def samples_2d(gan, mixture, n_samples: int = 2000, ax=None, title: str | None = None, heatmap: bool = True):
    """Real and generated 2-D samples, with D(x) as a heat map behind them.

    ``gan`` may also be an (n, 2) array of samples already drawn (for example by
    :func:`ganlab.experiments.sampling.rejection_sample`); then there is no discriminator to map.
    """
    ax = _axes(ax, (4.5, 4.5))
    real = mixture.sample(n_samples, seed=1)
    drawn = isinstance(gan, np.ndarray)
    if drawn and (gan.ndim != 2 or gan.shape[1] != 2):
        raise ValueError(f"samples must have shape (n, 2), got {gan.shape}.")
    fake = gan[:n_samples] if drawn else gan.sample(n_samples, seed=1)
    reach = np.abs(mixture.centers).max() + 6 * mixture.std + 0.5
    if heatmap and not drawn:
        discriminator_heatmap(ax, gan, reach)
    ax.scatter(real[:, 0], real[:, 1], s=2, c="black", label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=2, c="tab:orange", alpha=0.6, label="generated")
    return _finish_plane(ax, reach, title)


def grid_canvas(images: np.ndarray, ncols: int = 8) -> np.ndarray:
    """Tile images in [-1, 1], shape (n, h, w, c) with c = 1 or 3, into one (H, W, c) array in [0, 1]."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images must have shape (n, height, width, 1 or 3), got {images.shape}.")
    positive_int("ncols", ncols, example=8)
    n, h, w, c = images.shape
    nrows = math.ceil(n / ncols)
    canvas = np.ones((nrows * (h + 1) + 1, ncols * (w + 1) + 1, c), dtype=np.float32)
    for i, image in enumerate(np.clip((images + 1) / 2, 0, 1)):
        r, col = divmod(i, ncols)
        canvas[1 + r * (h + 1):1 + r * (h + 1) + h, 1 + col * (w + 1):1 + col * (w + 1) + w] = image
    return canvas


def image_grid(images: np.ndarray, ncols: int = 8, ax=None, title: str | None = None):
    """A grid of images in [-1, 1], shape (n, h, w, c) with c = 1 or 3."""
    canvas = grid_canvas(images, ncols)
    nrows = (canvas.shape[0] - 1) // (np.asarray(images).shape[1] + 1)
    c = canvas.shape[-1]
    ax = _axes(ax, (ncols * 0.8, nrows * 0.8))
    # nearest: each pixel drawn as a square, as the generator made it (and the PNG stays small)
    ax.imshow(canvas[..., 0] if c == 1 else canvas, cmap="gray" if c == 1 else None, vmin=0, vmax=1,
              interpolation="nearest")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def history(history, keys=("d_loss", "g_loss"), ax=None, title: str | None = None, reference: dict | None = None):
    """Curves of logged metrics (a Keras ``History`` or a dict of lists), with optional horizontal reference lines."""
    ax = _axes(ax)
    logs = history.history if hasattr(history, "history") else history
    for key in keys:
        if key not in logs:
            raise KeyError(f"{key!r} was not logged; logged metrics are {sorted(logs)}.")
        ax.plot(np.arange(1, len(logs[key]) + 1), logs[key], label=key)
    for label, value in (reference or {}).items():
        ax.axhline(value, color="grey", ls="--", lw=0.8)
        ax.annotate(label, (1, value), fontsize=7, color="grey", va="bottom")
    ax.set_xlabel("epoch")
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title)
    return ax


def generator_loss_gradients(ax=None):
    """|dL_G / d logit| against D(G(z)) for the minimax and non-saturating losses, computed by autodiff."""

    d = np.linspace(0.001, 0.999, 300)
    logits = tf.constant(np.log(d / (1 - d)), dtype=tf.float32)
    ax = _axes(ax)
    for name, fn in losses.GENERATOR_LOSSES.items():
        with tf.GradientTape() as tape:
            tape.watch(logits)
            # sum of per-sample losses, so each gradient is that of one sample's loss
            total = fn(logits) * tf.cast(tf.size(logits), tf.float32)
        ax.plot(d, np.abs(tape.gradient(total, logits).numpy()), label=name)
    ax.axvspan(0, 0.1, color="grey", alpha=0.15)
    ax.annotate("early training:\nD rejects fakes", (0.01, 0.5), fontsize=7)
    ax.set_xlabel("D(G(z))")
    ax.set_ylabel("|gradient w.r.t. D's logit|")
    ax.legend(fontsize=8)
    return ax


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation between noise vectors a and b (d,) at fractions t (n,): (n, d).

    Gaussian noise lives near a sphere of radius sqrt(d); a straight line between two
    points passes inside it, through vectors the generator rarely saw (White, 2016).
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    t = np.asarray(t, np.float64)[:, None]
    if omega < 1e-6:
        return ((1 - t) * a + t * b).astype(np.float32)
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype(np.float32)


def interpolation(gan, rows: int = 4, steps: int = 10, seed: int = 0, ax=None, title: str | None = None):
    """Each row: the generator's images along a spherical path between two random noise vectors.

    The images come from ``gan.sampling_generator``, the network ``gan.sample`` draws from (the
    weight average when the GAN keeps one)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, steps)
    noise = np.concatenate([slerp(rng.standard_normal(gan.latent_dim), rng.standard_normal(gan.latent_dim), t)
                            for _ in range(rows)])
    images = np.asarray(gan.sampling_generator(noise, training=False))
    return image_grid(images, ncols=steps, ax=ax, title=title)


def distance_curves(curves: dict, ax=None, title: str | None = None, x: str = "steps"):
    """Fréchet distance curves, {label: FrechetDistance callback}, against steps or training seconds."""
    one_of("x", x, ("steps", "seconds", "cpu_seconds"))
    ax = _axes(ax)
    for label, callback in curves.items():
        ax.plot(getattr(callback, x), callback.values, ".-", label=label)
    ax.set_xlabel({"steps": "generator steps", "seconds": "training seconds", "cpu_seconds": "training CPU seconds"}[x])
    ax.set_ylabel("Fréchet distance")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def value_surface(critic, real: np.ndarray, fake: np.ndarray | None = None, reach: float | None = None, ax=None,
                  title: str | None = None, resolution: int = 120):
    """A 2-D critic's (or discriminator's logit) value f(x) over the plane, with real (and fake) samples on top.

    Colours are the critic's values; the contour lines are its level sets. A good
    critic is high on the data and falls off between the modes.
    """
    positive_int("resolution", resolution, minimum=2, example=120)
    real = np.asarray(real, np.float32)
    if real.ndim != 2 or real.shape[1] != 2:
        raise ValueError(f"real must be 2-D samples of shape (n, 2), got {real.shape}.")
    ax = _axes(ax, (4.5, 4.5))
    reach = float(np.abs(real).max() * 1.25 + 0.2) if reach is None else reach
    xx, yy, points = plane(reach, resolution)
    values = metrics.toy.scores(critic, points, batch_size=4096).reshape(xx.shape)
    image = ax.imshow(values, extent=(-reach, reach, -reach, reach), origin="lower", cmap="viridis")
    ax.contour(xx, yy, values, levels=12, colors="white", linewidths=0.5, alpha=0.7)
    plt.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="f(x)")
    if fake is not None:
        fake = np.asarray(fake, np.float32)
        ax.scatter(fake[:, 0], fake[:, 1], s=1, c="tab:orange", alpha=0.4, label="fake")
    ax.scatter(real[:, 0], real[:, 1], s=1, c="black", label="real")
    return _finish_plane(ax, reach, title, markerscale=5)


def layer_norms(norms: dict, ax=None, title: str | None = None):
    """log10 of per-layer gradient norms ({run name: norms, input layer first}), one line per run.

    A norm that is exactly 0 (underflow) has no logarithm: it is left out, and the
    legend says at which layers.
    """
    ax = _axes(ax)
    for name, values in norms.items():
        values = np.asarray(values, dtype=np.float64)
        zero = np.flatnonzero(values == 0) + 1
        with np.errstate(divide="ignore"):
            logs = np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), np.nan)
        label = name if not zero.size else f"{name} (exactly 0 at layer{'s' if zero.size > 1 else ''} " \
                                           f"{', '.join(map(str, zero))})"
        ax.plot(np.arange(1, len(values) + 1), logs, "o-", label=label)
    ax.set_xlabel("critic layer (1 = input side)")
    ax.set_ylabel("log10 gradient norm")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def curves(x, ys: dict, ax=None, title: str | None = None, xlabel: str = "", ylabel: str = ""):
    """Several curves over one x axis ({label: values}): a line plot with labels, for computed quantities."""
    ax = _axes(ax)
    x = np.asarray(x)
    for name, values in ys.items():
        values = np.asarray(values)
        if values.shape != x.shape:
            raise ValueError(f"ys[{name!r}] has shape {values.shape}, x has {x.shape}: give one value per x.")
        ax.plot(x, values, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def estimate_and_distance(estimate, distance, axes=None):
    """A critic's estimate beside the Fréchet distance over training, and one against the other.

    ``estimate`` and ``distance`` are a :class:`ganlab.views.callbacks.CriticEstimate` and a
    :class:`ganlab.views.callbacks.FrechetDistance` run with the same ``every``. Left: both
    curves over the steps; right: each measurement as a point (estimate, distance).
    """
    if list(estimate.steps) != list(distance.steps):
        raise ValueError(f"estimate and distance were measured at different steps ({estimate.steps[:5]}... and "
                         f"{distance.steps[:5]}...): give both callbacks the same every= and train them together.")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.5), constrained_layout=True)
    left, right = axes
    left.plot(estimate.steps, estimate.values, color="tab:purple", label="critic's estimate")
    left.set_xlabel("generator steps")
    left.set_ylabel("critic's estimate of W", color="tab:purple")
    twin = left.twinx()
    twin.plot(distance.steps, distance.values, color="tab:green", label="Fréchet distance")
    twin.set_ylabel("Fréchet distance", color="tab:green")
    twin.set_yscale("log")
    points = right.scatter(estimate.values, distance.values, c=estimate.steps, cmap="viridis", s=12)
    plt.colorbar(points, ax=right, label="step")
    right.set_xlabel("critic's estimate of W")
    right.set_ylabel("Fréchet distance")
    right.set_yscale("log")
    return axes


def mode_timeline(coverage, ax=None, title: str | None = None):
    """Which modes a generator visits over training: one column per measurement, one row per mode.

    ``coverage`` is a :class:`ganlab.views.callbacks.ModeCoverage` after ``fit``. Each
    column is the share of the high-quality samples that fell in each mode at that
    step (dark: none). A healthy generator shows an even band; a collapsing one
    shows a few bright rows, and a generator that hops from mode to mode shows
    bright cells that move.
    """
    if not getattr(coverage, "coverages", None):
        raise ValueError("coverage holds no measurements yet: pass a ModeCoverage callback to fit() first, with "
                         "every= smaller than the number of steps trained.")
    ax = _axes(ax, figsize=(8, 3.5))
    counts = np.stack([c.histogram for c in coverage.coverages], axis=1).astype(float)
    shares = counts / np.maximum(counts.sum(axis=0, keepdims=True), 1)
    steps = np.asarray(coverage.steps)
    width = steps[0] if len(steps) == 1 else np.diff(steps).mean()
    image = ax.imshow(shares, aspect="auto", origin="lower", cmap="magma", interpolation="nearest",
                      extent=(steps[0] - width / 2, steps[-1] + width / 2, -0.5, counts.shape[0] - 0.5))
    ax.figure.colorbar(image, ax=ax, label="share of high-quality samples")
    ax.set_xlabel("generator step")
    ax.set_ylabel("mode")
    ax.set_title(title or f"modes visited over training ({coverage.mixture.name})")
    return ax


def mode_histogram(coverage, ax=None, title: str | None = None):
    """The high-quality samples per mode of a :class:`ganlab.metrics.Coverage`, with the uniform share marked."""
    counts = np.asarray(coverage.histogram)
    ax = _axes(ax, figsize=(max(4, 0.25 * len(counts)), 2.6))
    ax.bar(np.arange(len(counts)), counts, color=np.where(counts > 0, "tab:orange", "lightgray"))
    if counts.sum():
        ax.axhline(counts.sum() / len(counts), color="black", lw=1, ls="--", label="uniform")
        ax.legend(fontsize=8)
    ax.set_xlabel("mode")
    ax.set_ylabel("high-quality samples")
    ax.set_title(title or str(coverage))
    return ax
