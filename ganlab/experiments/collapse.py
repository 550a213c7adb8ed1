"""Mode-collapse experiments on toy mixtures: one recipe, several remedies, counted the same way (notebook 04).

Every method trains the same generator against the same discriminator, with the
same optimiser, batch and number of generator steps; only the remedy differs:

* ``gan``: the plain non-saturating GAN;
* ``r1``: the same GAN with the R1 penalty on its discriminator (:func:`ganlab.losses.r1_penalty`);
* ``pacgan2``, ``pacgan4``: the discriminator judges 2 or 4 samples at once (:func:`ganlab.models.packed`);
* ``minibatch_std``: the discriminator sees the batch's standard deviation (:class:`ganlab.models.MinibatchStdDev`);
* ``unrolled5``: the generator looks 5 discriminator steps ahead (:class:`ganlab.training.UnrolledGAN`);
* ``wgan_gp``: a Wasserstein critic with the gradient penalty, 5 critic steps per generator step;
* ``r1_drs``: ``r1``, then its discriminator refitted and used to reject samples
  (:mod:`ganlab.experiments.sampling`): a remedy applied after training, not during it.

``benchmarks/mode_coverage.py`` runs them over seeds; notebook 04 runs them once.
"""
from __future__ import annotations

import dataclasses
import time

import keras
import numpy as np
import tensorflow as tf

from ganlab import config, models
from ganlab.experiments import sampling
from ganlab._checks import one_of, positive_float, positive_int
from ganlab.metrics import mode_coverage
from ganlab.models.diversity import RepeatLogits
from ganlab.training import GAN, WGAN, UnrolledGAN

METHODS = ("gan", "r1", "pacgan2", "pacgan4", "minibatch_std", "unrolled5", "wgan_gp", "r1_drs")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """The settings every method shares. The defaults reach the README's numbers in 1-3 minutes on 2 CPU cores."""

    steps: int = 18000  # generator updates
    batch_size: int = 256  # samples per discriminator (or critic) update
    generator_units: tuple = (128, 128, 128)
    discriminator_units: tuple = (128, 128, 128)
    latent_dim: int = 2
    learning_rate: float = 1e-3  # decayed along a cosine to 1% of itself by the last step
    beta_1: float = 0.5
    r1_weight: float = 0.1  # gamma of the R1 penalty, for the methods "r1" and "r1_drs"
    refit_steps: int = 6000  # discriminator steps with the generator fixed, before rejection sampling ("r1_drs")


@dataclasses.dataclass
class Result:
    """One trained method: the GAN, its :class:`ganlab.metrics.Coverage` on 2,500 samples, and its cost."""

    method: str
    dataset: str
    seed: int
    gan: keras.Model
    coverage: object
    seconds: float
    cpu_seconds: float
    steps: int = Recipe.steps
    # "r1_drs" only: the coverage of the same GAN's samples before rejection, and the training's share of the cost
    before_rejection: object = None
    training_seconds: float | None = None

    def row(self) -> dict:
        """The numbers, without the model (for JSON and tables)."""
        c = self.coverage
        return {"method": self.method, "dataset": self.dataset, "seed": self.seed, "steps": self.steps,
                "modes": c.modes, "n_modes": c.n_modes, "high_quality": c.high_quality, "kl": c.kl,
                "seconds": self.seconds, "cpu_seconds": self.cpu_seconds, "histogram": c.histogram.tolist()}


def build(method: str, recipe: Recipe = Recipe(), steps_per_execution: int = 1, packing=None):
    """The compiled GAN for ``method`` and its number of discriminator updates per generator update.

    ``packing``, for the PacGAN methods only: a function ``(samples, m) -> packs`` that turns (n, 2) samples into
    (n / m, 2 m) packs, used in place of :class:`ganlab.models.PackSamples` (notebook 04 trains with the
    learner's own). It runs inside the discriminator on tensors, so it must use ``keras.ops``.
    ``steps_per_execution`` steps run in each call into TensorFlow: for networks this small, 100 is a third
    faster than 1, with the same numbers, and :func:`train` uses it when it has no callbacks. Callbacks
    that act every N steps need 1: they count batch ends, which come once per call.
    """
    one_of("method", method, METHODS)

    def generator():
        return models.mlp_generator(latent_dim=recipe.latent_dim, output_shape=(2,),
                                    hidden_units=recipe.generator_units, output_activation=None, batch_norm=False)

    def discriminator(inputs=2, **kwargs):
        return models.mlp_discriminator(input_shape=(inputs,), hidden_units=recipe.discriminator_units, dropout=0,
                                        **kwargs)

    def adam(updates, beta_1=recipe.beta_1, beta_2=0.999):
        schedule = keras.optimizers.schedules.CosineDecay(recipe.learning_rate, updates, alpha=0.01)
        return keras.optimizers.Adam(schedule, beta_1=beta_1, beta_2=beta_2)

    if packing is not None and not (callable(packing) and method.startswith("pacgan")):
        raise ValueError(f"packing must be a function (samples, m) -> packs, and only for the PacGAN methods; got "
                         f"{packing!r} for method {method!r}.")
    k = 5 if method == "wgan_gp" else 1
    fast = {"steps_per_execution": positive_int("steps_per_execution", steps_per_execution, example=100)}
    if method == "gan":
        gan = GAN(generator(), discriminator())
    elif method in ("r1", "r1_drs"):
        gan = GAN(generator(), discriminator(), r1_weight=recipe.r1_weight)
    elif method.startswith("pacgan"):
        pack = int(method[len("pacgan"):])
        inner = discriminator(2 * pack)
        gan = GAN(generator(), models.packed(inner, pack) if packing is None else _packed_with(packing, inner, pack))
    elif method == "minibatch_std":
        gan = GAN(generator(), discriminator(minibatch_std=True))
    elif method == "unrolled5":
        gan = UnrolledGAN(generator(), discriminator(), unroll_steps=5)
    else:
        gan = WGAN(generator(), discriminator(), constraint="gradient_penalty", critic_steps=k)
    if method == "wgan_gp":
        # the WGAN-GP paper's betas (0, 0.9); the critic's schedule spans its k updates per generator step
        gan.compile(adam(recipe.steps, 0.0, 0.9), adam(recipe.steps * k, 0.0, 0.9), **fast)
    else:
        gan.compile(adam(recipe.steps), adam(recipe.steps), **fast)
    return gan, k


def train(method: str, mixture, seed: int = 0, recipe: Recipe = Recipe(), callbacks=(), samples: int = 2500,
          dataset: str | None = None, packing=None) -> Result:
    """Train ``method`` on the toy ``mixture`` with ``recipe`` and count its modes on ``samples`` samples.

    ``packing``: for the PacGAN methods, a packing function to use instead of ganlab's (see :func:`build`)."""
    steps = positive_int("recipe.steps", recipe.steps, example=6000)
    config.seed(seed)
    callbacks = list(callbacks)
    gan, k = build(method, recipe, steps_per_execution=1 if callbacks else 100, packing=packing)
    per_epoch = min(steps, 500)
    pipeline = mixture.dataset(batch_size=recipe.batch_size * k, n_samples=recipe.batch_size * k * per_epoch,
                               seed=seed)
    start, cpu = time.perf_counter(), time.process_time()
    gan.fit(pipeline, epochs=max(1, round(steps / per_epoch)), verbose=0, callbacks=callbacks)
    training_seconds, before = time.perf_counter() - start, None
    if method.endswith("_drs"):
        before = mode_coverage(gan.sample(samples, seed=10_000 + seed), mixture)
        refitted = sampling.refit_discriminator(gan, mixture.sample(100_000, seed=20_000 + seed),
                                                steps=recipe.refit_steps, seed=seed)
        drawn = sampling.rejection_sample(gan, samples, refitted, seed=10_000 + seed).samples
    else:
        drawn = gan.sample(samples, seed=10_000 + seed)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    coverage = mode_coverage(drawn, mixture)
    return Result(method, dataset or mixture.name, seed, gan, coverage, seconds, cpu_seconds, steps, before,
                  training_seconds if before is not None else None)


class _PackWith(keras.layers.Layer):
    """Calls a packing function ``(samples, m) -> packs`` (notebook 04's exercise) inside a discriminator."""

    def __init__(self, packing, pack: int, **kwargs):
        super().__init__(**kwargs)
        self.packing, self.pack = packing, pack

    def call(self, x):
        return self.packing(x, self.pack)

    def compute_output_shape(self, input_shape):  # given, so that Keras need not call the function symbolically
        return (None if input_shape[0] is None else input_shape[0] // self.pack, input_shape[-1] * self.pack)


def _packed_with(packing, inner: keras.Model, pack: int) -> keras.Model:
    """:func:`ganlab.models.packed` for 2-D samples, with ``packing`` in place of ganlab's packing layer."""
    samples = keras.Input(shape=(inner.input_shape[-1] // pack,), name="samples")
    # RepeatLogits also tells models.pack_size (read by R1 and rejection sampling) how many samples a logit judges
    return keras.Model(samples, RepeatLogits(pack, dtype="float32")(inner(_PackWith(packing, pack)(samples))),
                       name="packed_discriminator")


def table(rows) -> str:
    """Mean ± standard error over seeds of modes, high-quality % and reverse KL, per dataset and method."""
    groups: dict = {}
    for row in rows:
        row = row.row() if isinstance(row, Result) else row
        groups.setdefault((row["dataset"], row["method"], row.get("steps", Recipe.steps)), []).append(row)
    lines = [f"{'dataset':24s} {'method':14s} {'modes':>15s} {'high quality %':>17s} {'reverse KL':>15s} "
             f"{'s/run':>6s} {'steps':>6s} seeds"]
    for (dataset, method, steps), runs in groups.items():
        cells = []
        for key, scale, fmt in (("modes", 1, ".1f"), ("high_quality", 100, ".1f"), ("kl", 1, ".3f")):
            values = np.array([r[key] for r in runs], dtype=float) * scale
            error = f" ± {values.std(ddof=1) / np.sqrt(len(values)):{fmt}}" if len(values) > 1 else ""
            cells.append(f"{values.mean():{fmt}}{error}")
        n_modes = runs[0].get("n_modes", "")
        lines.append(f"{dataset:24s} {method:14s} {cells[0] + f' /{n_modes}':>15s} {cells[1]:>17s} {cells[2]:>15s} "
                     f"{np.mean([r['seconds'] for r in runs]):6.0f} {steps:6d} {len(runs)}")
    return "\n".join(lines)


def follow_discriminator(discriminator, points, steps: int = 200, learning_rate: float = 0.05):
    """Move ``points`` uphill on log D(x) by gradient ascent, as a generator of unlimited capacity would.

    This is the generator's best response to a *fixed* discriminator: it minimises
    the non-saturating loss -log D(x) for every sample separately. Returns the
    points after ``steps`` steps; they gather at the few places D likes most.
    """
    steps = positive_int("steps", steps, example=200)
    learning_rate = positive_float("learning_rate", learning_rate)
    x = tf.Variable(np.asarray(points, np.float32))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_sum(tf.math.log_sigmoid(discriminator(x, training=False)))
        x.assign_sub(learning_rate * tape.gradient(loss, x))
    return x.numpy()
