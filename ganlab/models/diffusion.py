"""A small diffusion model's pieces (Ho et al., 2020; notebook 10): the noise schedule and a U-Net denoiser.

**The schedule.** The forward process adds Gaussian noise in T steps, q(x_t | x_{t-1}) =
N(sqrt(1 - beta_t) x_{t-1}, beta_t I). With alpha_t = 1 - beta_t and alpha_bar_t = prod_{s<=t} alpha_s,
any step is reached from the data in one draw:

    x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps,   eps ~ N(0, I).

Steps are numbered 0 .. T-1 here (index t is the paper's t + 1): alpha_bar[0] = 1 - beta[0].

**The denoiser** takes (x_t, t) and predicts eps. It is a U-Net (Ronneberger et al., 2015) like the
pix2pix generator of notebook 08, with residual blocks, group normalisation and a *time embedding*:
t is written as sines and cosines of several frequencies (as positions are in a transformer), passed
through a small MLP and added to every block's features, so one network serves every noise level.
"""
from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np
from keras import layers, ops

from ganlab._checks import positive_float, positive_int


# -- the noise schedule ------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class NoiseSchedule:
    """beta_t for t = 0 .. T-1 and what follows from them, as float64 NumPy arrays of shape (T,).

    Attributes:
        betas: the variance added at each step.
        alphas: 1 - betas.
        alpha_bars: the cumulative products of alphas: x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps.
        posterior_variances: beta_tilde_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) beta_t, the variance of
            q(x_{t-1} | x_t, x_0) (with alpha_bar_{-1} = 1, so beta_tilde_0 = 0).
    """

    betas: np.ndarray

    def __post_init__(self):
        betas = np.asarray(self.betas, np.float64)
        if betas.ndim != 1 or len(betas) < 2 or not np.all((betas > 0) & (betas < 1)):
            raise ValueError("betas must be a 1-d array of at least 2 values strictly between 0 and 1.")
        object.__setattr__(self, "betas", betas)

    @property
    def steps(self) -> int:
        return len(self.betas)

    @property
    def alphas(self) -> np.ndarray:
        return 1.0 - self.betas

    @property
    def alpha_bars(self) -> np.ndarray:
        return np.cumprod(self.alphas)

    @property
    def posterior_variances(self) -> np.ndarray:
        previous = np.concatenate([[1.0], self.alpha_bars[:-1]])
        return (1.0 - previous) / (1.0 - self.alpha_bars) * self.betas

    def signal_to_noise(self) -> np.ndarray:
        """alpha_bar_t / (1 - alpha_bar_t): how much of x_0 is left in x_t, falling from very large to about 0."""
        return self.alpha_bars / (1.0 - self.alpha_bars)


def linear_schedule(steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> NoiseSchedule:
    """Ho et al.'s schedule: betas rising linearly from ``beta_start`` to ``beta_end`` over ``steps`` steps."""
    steps = positive_int("steps", steps, minimum=2, example=1000)
    beta_start = positive_float("beta_start", beta_start, maximum=0.999)
    beta_end = positive_float("beta_end", beta_end, maximum=0.999)
    return NoiseSchedule(np.linspace(beta_start, beta_end, steps))


def cosine_schedule(steps: int = 1000, offset: float = 0.008) -> NoiseSchedule:
    """Nichol and Dhariwal's (2021) schedule: alpha_bar_t = f(t) / f(0), f(t) = cos^2(((t / T) + s) / (1 + s) pi / 2).

    It destroys information more evenly over the steps than the linear one; betas are capped at 0.999.
    """
    steps = positive_int("steps", steps, minimum=2, example=1000)
    t = np.arange(steps + 1) / steps
    f = np.cos((t + offset) / (1 + offset) * math.pi / 2) ** 2
    alpha_bars = f / f[0]
    return NoiseSchedule(np.clip(1 - alpha_bars[1:] / alpha_bars[:-1], 1e-8, 0.999))


# -- the denoiser ----------------------------------------------------------------------------------------------

@keras.saving.register_keras_serializable(package="ganlab")
class SinusoidalEmbedding(layers.Layer):
    """(batch,) steps t -> (batch, dim) [sin(t w_1), ..., sin(t w_{dim/2}), cos(t w_1), ...], w_i from 1 to 1/10,000
    geometrically (Vaswani et al., 2017)."""

    def __init__(self, dim: int, **kwargs):
        super().__init__(**kwargs)
        if dim % 2:
            raise ValueError(f"dim must be even (half sines, half cosines), got {dim}.")
        self.dim = int(dim)

    def call(self, t):
        half = self.dim // 2
        frequencies = ops.exp(-math.log(10_000.0) * ops.arange(half, dtype="float32") / half)
        angles = ops.cast(ops.reshape(t, (-1, 1)), "float32") * frequencies[None, :]
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


def _residual_block(x, embedding, channels: int, groups: int):
    """GroupNorm, swish, 3x3 conv; + the time embedding per channel; GroupNorm, swish, 3x3 conv; + the input."""
    h = layers.GroupNormalization(groups)(x)
    h = layers.Activation("swish")(h)
    h = layers.Conv2D(channels, 3, padding="same")(h)
    shift = layers.Dense(channels)(embedding)
    h = h + layers.Reshape((1, 1, channels))(shift)
    h = layers.GroupNormalization(groups)(h)
    h = layers.Activation("swish")(h)
    h = layers.Conv2D(channels, 3, padding="same")(h)
    if x.shape[-1] != channels:
        x = layers.Conv2D(channels, 1)(x)
    return x + h


def diffusion_unet(image_shape=(28, 28, 1), width: int = 32, groups: int = 8, name: str = "denoiser"
                   ) -> keras.Model:
    """The noise predictor: [(batch, 28, 28, c) noisy images x_t, (batch,) steps t] -> (batch, 28, 28, c) eps.

    Resolutions 28 (``width`` channels, a convolution in and out), 14 and 7 (2 x ``width``, residual
    blocks), skip connections by concatenation. ``width`` must be a multiple of ``groups`` (group normalisation).
    """
    width = positive_int("width", width, example=32)
    groups = positive_int("groups", groups, example=8)
    if width % groups:
        raise ValueError(f"width must be a multiple of groups={groups}, got width={width}.")
    if tuple(image_shape[:2]) != (28, 28):
        raise ValueError(f"image_shape must be (28, 28, channels), got {tuple(image_shape)}.")
    images = keras.Input(shape=tuple(image_shape), name="noisy_images")
    steps = keras.Input(shape=(), name="steps")
    embedding = SinusoidalEmbedding(2 * width)(steps)
    embedding = layers.Dense(4 * width, activation="swish")(embedding)
    embedding = layers.Dense(4 * width)(embedding)

    # At 28x28 only a convolution in and out: a residual block there would cost as much as the rest together.
    x28 = layers.Conv2D(width, 3, padding="same")(images)
    x14 = layers.Conv2D(2 * width, 3, strides=2, padding="same")(x28)
    x14 = _residual_block(x14, embedding, 2 * width, groups)
    x7 = layers.Conv2D(2 * width, 3, strides=2, padding="same")(x14)
    x7 = _residual_block(x7, embedding, 2 * width, groups)
    x7 = _residual_block(x7, embedding, 2 * width, groups)  # the middle, at 7x7
    up14 = layers.Conv2DTranspose(2 * width, 4, strides=2, padding="same")(x7)
    up14 = _residual_block(layers.Concatenate()([up14, x14]), embedding, 2 * width, groups)
    up28 = layers.Conv2DTranspose(width, 4, strides=2, padding="same")(up14)
    up28 = layers.Concatenate()([up28, x28])
    out = layers.Conv2D(width, 3, padding="same")(up28)
    out = layers.GroupNormalization(groups)(out)
    out = layers.Activation("swish")(out)
    noise = layers.Conv2D(image_shape[-1], 3, padding="same", name="noise", dtype="float32")(out)
    return keras.Model([images, steps], noise, name=name)
