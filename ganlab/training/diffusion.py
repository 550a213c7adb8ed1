"""``Diffusion``: a denoising diffusion model trained by ``fit`` (Ho et al., 2020), sampled by DDPM or DDIM (notebook 10).

**Training** (Ho et al.'s Algorithm 1): for each image x_0 of a batch draw a step t uniformly from
0 .. T-1 and noise eps ~ N(0, I), form x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps, and
lower ``ganlab.losses.noise_prediction_loss(denoiser(x_t, t), eps)``. A moving average of the
denoiser's weights (as the GANs' ``ema_decay``) is what samples are drawn from.

**Sampling.** Both samplers start from x ~ N(0, I) and walk t down; at each step the denoiser's eps
gives an estimate of the clean image, x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t).

* DDPM (Ho et al.'s Algorithm 2, :func:`ddpm_step`): all T steps, each adding fresh noise,
  x_{t-1} = (x_t - beta_t / sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_t) + sigma_t z, sigma_t^2 = beta_tilde_t.
* DDIM (Song et al., 2021, :func:`ddim_step`): any decreasing subsequence of the steps, say 20 of the 1,000,
  x_prev = sqrt(alpha_bar_prev) x0_hat + sqrt(1 - alpha_bar_prev - sigma^2) eps + sigma z, with
  sigma = eta sqrt((1 - alpha_bar_prev) / (1 - alpha_bar_t)) sqrt(1 - alpha_bar_t / alpha_bar_prev).
  With eta = 0 it adds no noise: the image is a deterministic function of the starting x_T.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ganlab import losses
from ganlab._checks import positive_float, positive_int
from ganlab.models.diffusion import NoiseSchedule, linear_schedule
from ganlab.training.core import averaged_copy
from ganlab.training.trainer import Trainer


def predicted_image(x_t, predicted_noise, alpha_bar):
    """x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t): the clean image that ``predicted_noise`` implies."""
    return (x_t - np.sqrt(1.0 - alpha_bar) * predicted_noise) / np.sqrt(alpha_bar)


def ddim_step(x_t, predicted_noise, alpha_bar, alpha_bar_previous, eta: float = 0.0, noise=None):
    """One DDIM step from step t to an earlier step (Song et al., 2021, eq. 12); NumPy arrays in, array out.

    ``alpha_bar``, ``alpha_bar_previous``: alpha_bar at the two steps (1 for "before the first step", which gives
    x0_hat itself). ``eta`` = 0 is deterministic; with ``eta`` > 0 pass ``noise`` ~ N(0, I) of x_t's shape.
    """
    x0 = predicted_image(x_t, predicted_noise, alpha_bar)
    sigma = eta * np.sqrt((1 - alpha_bar_previous) / (1 - alpha_bar)) * np.sqrt(1 - alpha_bar / alpha_bar_previous)
    direction = np.sqrt(np.maximum(1 - alpha_bar_previous - sigma**2, 0.0)) * predicted_noise
    x = np.sqrt(alpha_bar_previous) * x0 + direction
    if eta > 0:
        if noise is None:
            raise ValueError("eta > 0 adds noise: pass noise ~ N(0, I) of x_t's shape.")
        x = x + sigma * noise
    return x


def ddpm_step(x_t, predicted_noise, t: int, schedule: NoiseSchedule, noise=None):
    """One ancestral DDPM step from t to t - 1 (Ho et al.'s Algorithm 2; sigma_t^2 = beta_tilde_t, 0 at t = 0)."""
    beta, alpha, alpha_bar = schedule.betas[t], schedule.alphas[t], schedule.alpha_bars[t]
    mean = (x_t - beta / np.sqrt(1 - alpha_bar) * predicted_noise) / np.sqrt(alpha)
    if t == 0:
        return mean
    if noise is None:
        raise ValueError("t > 0 adds noise: pass noise ~ N(0, I) of x_t's shape.")
    return mean + np.sqrt(schedule.posterior_variances[t]) * noise


def ddim_timesteps(total: int, steps: int) -> np.ndarray:
    """``steps`` steps of 0 .. total-1, evenly spread, from the last down to 0 (DDIM's subsequence)."""
    steps = positive_int("steps", steps, example=20)
    if steps > total:
        raise ValueError(f"steps must be at most the schedule's {total} steps, got {steps}.")
    return np.unique(np.round(np.linspace(0, total - 1, steps)).astype(int))[::-1]


class Diffusion(Trainer):
    """A DDPM: a denoiser (``ganlab.models.diffusion_unet``) trained to predict the noise added to images.

    Args:
        denoiser: a Keras model [(batch, *shape) x_t, (batch,) t] -> (batch, *shape) predicted noise.
        schedule: a :class:`ganlab.models.diffusion.NoiseSchedule` (default: ``linear_schedule(1000)``).
        ema_decay: sample from a moving average of the denoiser's weights (``None``: from the denoiser itself).
        seed: seed of the steps and noise drawn in training (``None``: a random one).
    """

    logged = ("loss",)

    def __init__(self, denoiser: keras.Model, schedule: NoiseSchedule | None = None, ema_decay: float | None = 0.999,
                 seed: int | None = None, name: str = "diffusion", **kwargs):
        if not isinstance(denoiser, keras.Model) or len(denoiser.inputs) != 2:
            raise TypeError("denoiser must be a keras.Model of two inputs, [noisy images, steps] "
                            "(ganlab.models.diffusion_unet).")
        shape = tuple(denoiser.inputs[0].shape[1:])
        if tuple(denoiser.output_shape[1:]) != shape:
            raise ValueError(f"denoiser must return noise of its input's shape {shape}, got {denoiser.output_shape}.")
        super().__init__(shape, seed=seed, name=name, **kwargs)
        self.denoiser = denoiser
        self.schedule = schedule if schedule is not None else linear_schedule()
        if not isinstance(self.schedule, NoiseSchedule):
            raise TypeError("schedule must be a NoiseSchedule (ganlab.models.linear_schedule(1000), say).")
        self.ema_decay = None if ema_decay is None else positive_float("ema_decay", ema_decay, maximum=0.99999)
        self.ema_denoiser = None if ema_decay is None else averaged_copy(denoiser)
        self._signal = tf.constant(np.sqrt(self.schedule.alpha_bars), tf.float32)
        self._noise_scale = tf.constant(np.sqrt(1 - self.schedule.alpha_bars), tf.float32)
        self._predictors = {}
        self.built = True

    def networks(self) -> list:
        return [self.denoiser]

    def noisy(self, images, steps, noise):
        """x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps for a (batch,) vector of steps t."""
        shape = (-1,) + (1,) * (len(images.shape) - 1)
        return (tf.reshape(tf.gather(self._signal, steps), shape) * images
                + tf.reshape(tf.gather(self._noise_scale, steps), shape) * noise)

    def train_step(self, data):
        images = tf.cast(self.unpack(data), tf.float32)
        batch = tf.shape(images)[0]
        steps = tf.random.stateless_uniform((batch,), seed=self.random_key(0), maxval=self.schedule.steps,
                                            dtype=tf.int32)
        noise = tf.random.stateless_normal(tf.shape(images), seed=self.random_key(1))
        noisy = self.noisy(images, steps, noise)

        def loss():
            value = losses.noise_prediction_loss(self.denoiser([noisy, tf.cast(steps, tf.float32)], training=True),
                                                 noise)
            return value, {"loss": value}

        logs = self.descend(loss)
        if self.ema_denoiser is not None:
            self.update_ema()
        self.step_counter.assign_add(1)
        return self.record(logs)

    def update_ema(self):
        """ema = d ema + (1 - d) weights, d = min(ema_decay, (1 + t) / (10 + t)), as ``Game.update_ema``."""
        step = tf.cast(self.step_counter, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + step) / (10.0 + step))
        for weight, average in zip(self.denoiser.weights, self.ema_denoiser.weights):
            average.assign(decay * average + (1 - decay) * weight if weight.trainable else weight)

    # -- sampling -------------------------------------------------------------------------------------------
    @property
    def sampling_denoiser(self) -> keras.Model:
        return self.denoiser if self.ema_denoiser is None else self.ema_denoiser

    def predict_noise(self, x_t: np.ndarray, t: int, raw: bool = False) -> np.ndarray:
        """The denoiser's eps for images x_t (n, *shape), all at step t (float64 NumPy)."""
        network = self.denoiser if raw else self.sampling_denoiser
        if network.name not in self._predictors:
            self._predictors[network.name] = tf.function(lambda x, s: network([x, s], training=False),
                                                         reduce_retracing=True)
        steps = tf.fill((len(x_t),), float(t))
        return keras.ops.convert_to_numpy(self._predictors[network.name](tf.constant(x_t, tf.float32), steps)
                                          ).astype(np.float64)

    def sample(self, n: int, steps: int = 20, eta: float = 0.0, seed: int | None = 0, clip: bool = True,
               step=None, batch_size: int = 1000, raw: bool = False) -> np.ndarray:
        """``n`` images by DDIM over ``steps`` evenly spread steps; ``eta`` = 0 is deterministic given ``seed``.

        ``clip``: clip each x0_hat to [-1, 1] and recompute eps from it before the step, as common DDIM code
        does (the images live in [-1, 1]). ``step``: a function with :func:`ddim_step`'s signature (notebook 10
        passes the learner's). Returns float32 (n, *shape) in [-1, 1].
        """
        n = positive_int("n", n, example=64)
        eta = positive_float("eta", eta, allow_zero=True)
        step = ddim_step if step is None else step
        timesteps = ddim_timesteps(self.schedule.steps, steps)
        alpha_bars = self.schedule.alpha_bars
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n,) + self.sample_shape)
        for i, t in enumerate(timesteps):
            previous = alpha_bars[timesteps[i + 1]] if i + 1 < len(timesteps) else 1.0
            eps = np.concatenate([self.predict_noise(x[j:j + batch_size], t, raw) for j in range(0, n, batch_size)])
            if clip:
                x0 = np.clip(predicted_image(x, eps, alpha_bars[t]), -1, 1)
                eps = (x - np.sqrt(alpha_bars[t]) * x0) / np.sqrt(1 - alpha_bars[t])
            noise = rng.standard_normal(x.shape) if eta > 0 else None
            x = np.asarray(step(x, eps, alpha_bars[t], previous, eta, noise) if eta > 0 else
                           step(x, eps, alpha_bars[t], previous), np.float64)
        return np.clip(x, -1, 1).astype(np.float32)

    def sample_ddpm(self, n: int, seed: int | None = 0, clip: bool = True, batch_size: int = 1000,
                    raw: bool = False) -> np.ndarray:
        """``n`` images by DDPM's ancestral sampler over all T steps (T denoiser calls per batch)."""
        n = positive_int("n", n, example=64)
        rng = np.random.default_rng(seed)
        alpha_bars = self.schedule.alpha_bars
        x = rng.standard_normal((n,) + self.sample_shape)
        for t in range(self.schedule.steps - 1, -1, -1):
            eps = np.concatenate([self.predict_noise(x[j:j + batch_size], t, raw) for j in range(0, n, batch_size)])
            if clip:
                x0 = np.clip(predicted_image(x, eps, alpha_bars[t]), -1, 1)
                eps = (x - np.sqrt(alpha_bars[t]) * x0) / np.sqrt(1 - alpha_bars[t])
            x = ddpm_step(x, eps, t, self.schedule, rng.standard_normal(x.shape) if t > 0 else None)
        return np.clip(x, -1, 1).astype(np.float32)
