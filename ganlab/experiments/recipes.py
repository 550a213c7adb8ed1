"""Named recipes: a GAN built and compiled with settings that a benchmark chose (README, "Time to quality").

``GAN.compile()`` with no arguments keeps the DCGAN paper's settings, Adam 2e-4 with
beta_1 0.5 for both networks (Radford et al., 2016): the notebooks teach them and
measure against them. ``fast_dcgan`` is what ``benchmarks/recipe_levers.py`` and
``benchmarks/time_to_quality.py`` found faster on a CPU, lever by lever at equal CPU time
(the README's "Time to quality" tables): the DCGAN with one more 3x3 convolution at each
of the generator's sizes, a generator that learns GENERATOR_RATE / DISCRIMINATOR_RATE
times faster than its discriminator, and samples from a moving average of its weights.

    with strategy.scope():
        gan = recipes.fast_dcgan()          # or fast_dcgan(generator, discriminator)
    gan.fit(data.mnist(batch_size=64), epochs=10)

``wgan_gp_optimizers`` is the same kind of choice for a WGAN-GP (``benchmarks/recipe_screens.py``):
its generator learns four times faster than its critic.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import keras

from ganlab import metrics, models
from ganlab._checks import positive_int
from ganlab.training import GAN
from ganlab.training.wgan import default_optimizer


class HoldThenDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``rate`` for the first half of ``steps`` updates, then a straight line down to 0 at ``steps``.

    Keras' own schedules decay from the first step (``PolynomialDecay``) or warm up first (``CosineDecay``);
    a long constant stretch followed by a linear decay is how Salimans et al. (2016) trained, so it is written here.
    A schedule counts its own optimizer's updates: give each optimizer its own.
    """

    def __init__(self, rate: float, steps: int):
        self.rate, self.steps = float(rate), positive_int("steps", steps, example=40000)

    def __call__(self, step):
        half = self.steps / 2
        fraction = keras.ops.clip((keras.ops.cast(step, "float32") - half) / half, 0.0, 1.0)
        return self.rate * (1.0 - fraction)

    def get_config(self):
        return {"rate": self.rate, "steps": self.steps}


REFINEMENTS = 1
GENERATOR_RATE = 8e-4
DISCRIMINATOR_RATE = 2e-4
BETA_1 = 0.5
EMA_DECAY = 0.999


def fast_dcgan(generator: keras.Model | None = None, discriminator: keras.Model | None = None,
               image_shape=(28, 28, 1), seed: int | None = None, decay_steps: int | None = None,
               ema_decay: float = EMA_DECAY) -> GAN:
    """A compiled ``GAN`` with the lever screen's measured settings; train it with ``fit`` on batches of 64.

    ``generator`` and ``discriminator`` default to ``models.dcgan_generator(image_shape=...,
    refinements=REFINEMENTS)`` and a ``models.dcgan_discriminator`` for the generator's images;
    pass your own to use the recipe's training settings with other networks. What the recipe sets:

    * a deeper generator: ``refinements=1`` adds a 3x3 convolution (BN, ReLU) at 7x7 and at 14x14;
    * Adam with beta_1 0.5 (the DCGAN setting), learning rate GENERATOR_RATE for the generator and
      DISCRIMINATOR_RATE for the discriminator;
    * ``ema_decay`` (default EMA_DECAY): ``gan.sample`` draws from a moving average of the generator's
      weights (``gan.sample(..., raw=True)`` from the trained weights themselves);
    * with ``decay_steps`` (the run's length in generator steps, for a run whose length is known): both
      rates hold for the first half, then fall linearly to 0 (:class:`HoldThenDecay`).

    Build it inside ``strategy.scope()`` when training on several devices.
    """
    if generator is None:
        generator = models.dcgan_generator(image_shape=image_shape, refinements=REFINEMENTS)
    if discriminator is None:  # judge what the generator makes
        discriminator = models.dcgan_discriminator(image_shape=tuple(generator.output_shape[1:]))
    gan = GAN(generator, discriminator, ema_decay=ema_decay, seed=seed)
    def rate(value):  # a schedule object per optimizer: each counts its own updates
        return value if decay_steps is None else HoldThenDecay(value, decay_steps)

    gan.compile(keras.optimizers.Adam(rate(GENERATOR_RATE), beta_1=BETA_1),
                keras.optimizers.Adam(rate(DISCRIMINATOR_RATE), beta_1=BETA_1))
    return gan


WGAN_GP_GENERATOR_RATE = 4e-4


def wgan_gp_optimizers() -> tuple[keras.optimizers.Optimizer, keras.optimizers.Optimizer]:
    """(generator, critic) optimizers for a WGAN-GP: ``wgan.compile(*recipes.wgan_gp_optimizers())``.

    The paper's Adam (beta_1 0, beta_2 0.9; Gulrajani et al., 2017): the critic keeps WGAN's default (1e-4),
    the generator learns at WGAN_GP_GENERATOR_RATE. ``benchmarks/recipe_screens.py`` chose it on notebook 03's networks (5 critic
    steps, lambda 10) at equal CPU time; a moving average of the generator added nothing there.
    """
    return (keras.optimizers.Adam(WGAN_GP_GENERATOR_RATE, beta_1=0.0, beta_2=0.9),
            default_optimizer("gradient_penalty"))


def scores_by_epoch(gan: GAN, dataset, epochs: int, reference, checkpoints=(), n_samples: int = 2000,
                    report: Callable[[dict], None] | None = None) -> list[dict]:
    """Train ``gan`` on ``dataset`` one epoch at a time and score it after each epoch in ``checkpoints`` and the last.

    How the recipe benchmarks compare settings at equal CPU time. Each score is a dict: ``epoch``,
    ``cpu_seconds`` (this process's CPU time spent in training so far, scoring excluded), ``fd`` (the
    Fréchet distance of ``n_samples`` fixed-noise samples to ``reference``, from ``metrics.image_statistics``)
    and ``readable`` (their ``metrics.readable_fraction``). ``report``, if given, receives each score as it
    is made. Each ``fit`` call passes ``initial_epoch``, so the data order moves on as in one long ``fit``.
    """
    scores, cpu = [], 0.0
    for epoch in range(epochs):
        start = time.process_time()
        gan.fit(dataset, epochs=epoch + 1, initial_epoch=epoch, verbose=0)
        cpu += time.process_time() - start
        if epoch + 1 in checkpoints or epoch + 1 == epochs:
            samples = gan.sample(n_samples, seed=0)
            score = dict(epoch=epoch + 1, cpu_seconds=round(cpu, 1),
                         fd=round(float(metrics.frechet_distance(samples, reference)), 1),
                         readable=round(float(metrics.readable_fraction(samples)), 3))
            if report is not None:
                report(score)
            scores.append(score)
    return scores
