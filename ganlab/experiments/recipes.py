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

``wgan_gp_optimizers`` is the same kind of choice for a WGAN-GP (``benchmarks/wgan_recipe.py``):
its generator learns four times faster than its critic.
"""
from __future__ import annotations

import keras

from ganlab import models
from ganlab.training import GAN

REFINEMENTS = 1
GENERATOR_RATE = 8e-4
DISCRIMINATOR_RATE = 2e-4
BETA_1 = 0.5
EMA_DECAY = 0.999


def fast_dcgan(generator: keras.Model | None = None, discriminator: keras.Model | None = None,
               image_shape=(28, 28, 1), seed: int | None = None) -> GAN:
    """A compiled ``GAN`` with the lever screen's measured settings; train it with ``fit`` on batches of 64.

    ``generator`` and ``discriminator`` default to ``models.dcgan_generator(image_shape=...,
    refinements=REFINEMENTS)`` and a ``models.dcgan_discriminator`` for the generator's images;
    pass your own to use the recipe's training settings with other networks. What the recipe sets:

    * a deeper generator: ``refinements=1`` adds a 3x3 convolution (BN, ReLU) at 7x7 and at 14x14;
    * Adam with beta_1 0.5 (the DCGAN setting), learning rate GENERATOR_RATE for the generator and
      DISCRIMINATOR_RATE for the discriminator;
    * ``ema_decay=EMA_DECAY``: ``gan.sample`` draws from a moving average of the generator's
      weights (``gan.sample(..., raw=True)`` from the trained weights themselves).

    Build it inside ``strategy.scope()`` when training on several devices.
    """
    if generator is None:
        generator = models.dcgan_generator(image_shape=image_shape, refinements=REFINEMENTS)
    if discriminator is None:  # judge what the generator makes
        discriminator = models.dcgan_discriminator(image_shape=tuple(generator.output_shape[1:]))
    gan = GAN(generator, discriminator, ema_decay=EMA_DECAY, seed=seed)
    gan.compile(keras.optimizers.Adam(GENERATOR_RATE, beta_1=BETA_1),
                keras.optimizers.Adam(DISCRIMINATOR_RATE, beta_1=BETA_1))
    return gan


WGAN_GP_GENERATOR_RATE = 4e-4
WGAN_GP_CRITIC_RATE = 1e-4


def wgan_gp_optimizers() -> tuple[keras.optimizers.Optimizer, keras.optimizers.Optimizer]:
    """(generator, critic) optimizers for a WGAN-GP: ``wgan.compile(*recipes.wgan_gp_optimizers())``.

    The paper's Adam (beta_1 0, beta_2 0.9; Gulrajani et al., 2017), the critic at its 1e-4, the generator
    at WGAN_GP_GENERATOR_RATE. ``benchmarks/wgan_recipe.py`` chose it on notebook 03's networks (5 critic
    steps, lambda 10) at equal CPU time; a moving average of the generator added nothing there.
    """
    return (keras.optimizers.Adam(WGAN_GP_GENERATOR_RATE, beta_1=0.0, beta_2=0.9),
            keras.optimizers.Adam(WGAN_GP_CRITIC_RATE, beta_1=0.0, beta_2=0.9))
