"""A style-based generator, small enough to train on a CPU (notebook 07).

The ideas of StyleGAN (Karras et al., 2019) and StyleGAN2 (Karras et al., 2020a), each a small named piece:

* :func:`mapping_network`: z -> w, an MLP whose learning rate is 100 times lower than the rest
  (:class:`ScaledDense` with ``lr_multiplier=0.01``);
* :class:`ConstantInput`: the synthesis network starts from a learned constant, not from z;
* :func:`modulated_conv2d` / :class:`ModulatedConv2D`: a convolution whose weights each sample's style
  scales per input channel (modulation), then renormalises per output channel (demodulation, StyleGAN2);
  :func:`adain` / :class:`AdaIN`, StyleGAN's adaptive instance normalisation, for comparison;
* :class:`NoiseInjection`: per-pixel Gaussian noise added after each convolution, with a learned
  per-channel strength (zero at the start);
* :func:`style_mix` (two w vectors crossing at a chosen layer) and :func:`truncate` (w pulled
  towards the mean w, :func:`w_average`).

:func:`style_generator` returns one ``keras.Model`` z -> image, which ``ganlab.GAN`` trains like the
DCGAN's generator (moving average, checkpoints and callbacks included). Its two halves are the
layers named ``"mapping"`` (z -> w) and ``"synthesis"`` (ws -> image), each a ``keras.Model``:
``synthesis`` takes one w per style layer, shape (batch, num_ws, w_dim), which is what lets two
samples' styles be mixed. At 28x28 with the defaults: a 7x7 constant, one convolution at 7x7 and two
each at 14x14 and 28x28 (num_ws = 5), and the output summed from a 1x1 "toRGB" layer at each
resolution (StyleGAN2's skip architecture).

Equalised learning rate (Karras et al., 2018): every weight is stored with unit variance and scaled
by 1/sqrt(fan_in) when used, so Adam's steps are the same size relative to every layer's weights.
This is why the style generator needs a larger learning rate than the DCGAN (StyleGAN2: Adam 2e-3,
beta (0, 0.99)); see :func:`style_generator_optimizer`.
"""
from __future__ import annotations

import contextlib
import math

import keras
import numpy as np
from keras import layers, ops

from ganlab._checks import int_sequence, one_of, positive_float, positive_int, shape
from ganlab.models.dcgan import base_size
from ganlab.models.networks import predict

SQRT2 = math.sqrt(2.0)
NOISE_MODES = ("random", "const", "zero")
STYLES = ("modulated", "adain")


# -- the maths, as functions of tensors ------------------------------------------------------------------

def modulated_weights(weight, style, demodulate: bool = True, epsilon: float = 1e-8):
    """Each sample's convolution weights: w'_{b,k,l,i,o} = s_{b,i} w_{k,l,i,o}, demodulated per output channel.

    Args:
        weight: the shared kernel, shape (kh, kw, in_channels, out_channels).
        style: one scale per sample and input channel, shape (batch, in_channels).
        demodulate: divide each sample's weights for output channel o by
            sqrt(sum_{k,l,i} w'_{b,k,l,i,o}^2 + epsilon) (StyleGAN2, eq. 3), so that a unit-variance input
            gives a unit-variance output whatever the style.
    Returns:
        (batch, kh, kw, in_channels, out_channels). For tests and figures: :func:`modulated_conv2d` never
        builds this tensor.
    """
    weight, style = ops.convert_to_tensor(weight), ops.convert_to_tensor(style)
    _check_modulation_shapes(weight, style)
    modulated = weight[None] * style[:, None, None, :, None]
    if demodulate:
        modulated = modulated * ops.rsqrt(ops.sum(ops.square(modulated), axis=(1, 2, 3), keepdims=True) + epsilon)
    return modulated


@keras.saving.register_keras_serializable(package="ganlab")
def modulated_conv2d(x, weight, style, demodulate: bool = True, epsilon: float = 1e-8):
    """A modulated convolution (StyleGAN2, section 2.2), stride 1, "same" padding.

    Equal to convolving each sample with its own weights from :func:`modulated_weights`, computed
    without building them: scale the input channels by the style, convolve with the shared
    kernel, then scale each output channel by the demodulation coefficient
    d_{b,o} = 1 / sqrt(sum_{k,l,i} (s_{b,i} w_{k,l,i,o})^2 + epsilon)
    (one ordinary convolution, cheap on a CPU; StyleGAN2's own code has both forms).

    Args:
        x: feature maps (batch, height, width, in_channels).
        weight: (kh, kw, in_channels, out_channels).
        style: (batch, in_channels).
    Returns:
        (batch, height, width, out_channels).
    """
    x, weight, style = ops.convert_to_tensor(x), ops.convert_to_tensor(weight), ops.convert_to_tensor(style)
    _check_modulation_shapes(weight, style)
    if len(x.shape) != 4 or x.shape[-1] != weight.shape[2]:
        raise ValueError(f"x must have shape (batch, height, width, {weight.shape[2]}) to match weight's input "
                         f"channels, got {tuple(x.shape)}.")
    y = ops.conv(x * style[:, None, None, :], weight, padding="same")
    if demodulate:
        # sum over k, l, i of s_i^2 w_{klio}^2 = (s^2) @ (sum over k, l of w^2): shape (batch, out)
        coefficients = ops.rsqrt(ops.matmul(ops.square(style), ops.sum(ops.square(weight), axis=(0, 1))) + epsilon)
        y = y * coefficients[:, None, None, :]
    return y


def adain(x, scale, bias, epsilon: float = 1e-8):
    """Adaptive instance normalisation (Huang and Belongie, 2017; StyleGAN, eq. 1).

    Each sample's each feature map is normalised to mean 0 and variance 1 over its pixels, then
    given the style's scale and bias: scale_{b,c} (x_{b,:,:,c} - mean) / sqrt(var + epsilon) + bias_{b,c}.

    Args:
        x: (batch, height, width, channels); scale and bias: (batch, channels).
    Returns:
        (batch, height, width, channels).
    """
    x, scale, bias = ops.convert_to_tensor(x), ops.convert_to_tensor(scale), ops.convert_to_tensor(bias)
    if len(x.shape) != 4:
        raise ValueError(f"x must have shape (batch, height, width, channels), got {tuple(x.shape)}.")
    for name, value in (("scale", scale), ("bias", bias)):
        if len(value.shape) != 2 or value.shape[-1] != x.shape[-1]:
            raise ValueError(f"{name} must have shape (batch, {x.shape[-1]}), one value per sample and channel, "
                             f"got {tuple(value.shape)}.")
    mean = ops.mean(x, axis=(1, 2), keepdims=True)
    variance = ops.mean(ops.square(x - mean), axis=(1, 2), keepdims=True)
    return scale[:, None, None, :] * (x - mean) * ops.rsqrt(variance + epsilon) + bias[:, None, None, :]


def truncate(w, w_avg, psi: float):
    """The truncation trick in W (StyleGAN, section 3.1): w' = w_avg + psi (w - w_avg).

    psi = 1 leaves w alone, psi = 0 gives the mean w for every sample; in between, samples are more
    typical and less varied. Args: w (..., w_dim), w_avg (w_dim,). Returns the shape of w, as NumPy.
    """
    w, w_avg = np.asarray(w, np.float32), np.asarray(w_avg, np.float32)
    if isinstance(psi, bool) or not isinstance(psi, (int, float, np.floating, np.integer)) or not np.isfinite(psi):
        raise ValueError(f"psi must be a finite number (1: no truncation, 0: the mean w), got {psi!r}.")
    if w_avg.ndim != 1 or w.ndim < 1 or w.shape[-1] != w_avg.shape[0]:
        raise ValueError(f"w_avg must have shape (w_dim,) and w (..., w_dim) with the same w_dim, got w {w.shape} "
                         f"and w_avg {w_avg.shape}; w_average(generator) gives w_avg.")
    return w_avg + np.float32(psi) * (w - w_avg)


def _check_modulation_shapes(weight, style):
    if len(weight.shape) != 4:
        raise ValueError(f"weight must have shape (kh, kw, in_channels, out_channels), got {tuple(weight.shape)}.")
    if len(style.shape) != 2 or style.shape[-1] != weight.shape[2]:
        raise ValueError(f"style must have shape (batch, {weight.shape[2]}), one scale per sample and input channel "
                         f"of weight, got {tuple(style.shape)}.")


# -- layers -------------------------------------------------------------------------------------------------

def _convolution(convolution):
    """The modulated convolution a layer applies: ``None`` (or ``"reference"``, as older saves name it) means
    :func:`modulated_conv2d`; a saved function (a dict written by Keras) is looked up as Keras does."""
    if convolution is None or convolution == "reference":
        return modulated_conv2d
    if isinstance(convolution, dict):
        convolution = keras.saving.deserialize_keras_object(convolution)
    if not callable(convolution):
        raise TypeError(f"convolution must be a function (x, weight, style, demodulate) -> y such as "
                        f"ganlab.models.modulated_conv2d, got {convolution!r}.")
    return convolution


@keras.saving.register_keras_serializable(package="ganlab")
class ScaledDense(layers.Layer):
    """A dense layer with an equalised learning rate and a learning-rate multiplier (Karras et al., 2018, 2019).

    (batch, in) -> (batch, units). The stored kernel is drawn from N(0, 1 / lr_multiplier^2) and used as
    kernel * lr_multiplier * gain / sqrt(in); the stored bias is used times lr_multiplier. Adam moves
    each stored weight by about the learning rate whatever its gradient's scale, so the weights in use
    move ``lr_multiplier`` times slower than in an ordinary layer: StyleGAN's mapping network uses 0.01.
    ``activation="lrelu"``: LeakyReLU(0.2) times sqrt(2), which keeps the signal's variance.
    """

    def __init__(self, units: int, lr_multiplier: float = 1.0, bias_init: float = 0.0, activation=None,
                 gain: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int("units", units, example=64)
        self.lr_multiplier = positive_float("lr_multiplier", lr_multiplier)
        self.bias_init = float(bias_init)
        self.activation = one_of("activation", activation, (None, "lrelu"))
        self.gain = positive_float("gain", gain)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.kernel = self.add_weight(shape=(fan_in, self.units), name="kernel",
                                      initializer=keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier))
        self.bias = self.add_weight(shape=(self.units,), name="bias",
                                    initializer=keras.initializers.Constant(self.bias_init / self.lr_multiplier))
        self.weight_scale = self.lr_multiplier * self.gain / math.sqrt(fan_in)

    def call(self, x):
        y = ops.matmul(x, self.kernel * self.weight_scale) + self.bias * self.lr_multiplier
        if self.activation == "lrelu":
            y = ops.leaky_relu(y, 0.2) * SQRT2
        return y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "lr_multiplier": self.lr_multiplier,
                "bias_init": self.bias_init, "activation": self.activation, "gain": self.gain}


@keras.saving.register_keras_serializable(package="ganlab")
class PixelNorm(layers.Layer):
    """z / sqrt(mean(z^2) + 1e-8) over the last axis: every z on the same sphere (Karras et al., 2018). Shape kept."""

    def call(self, x):
        return x * ops.rsqrt(ops.mean(ops.square(x), axis=-1, keepdims=True) + 1e-8)


@keras.saving.register_keras_serializable(package="ganlab")
class ConstantInput(layers.Layer):
    """The synthesis network's learned starting image: (batch, w_dim) -> (batch, size, size, channels).

    The input only sets the batch size: every sample starts from the same learned tensor, and all
    variation comes from the styles and the noise (StyleGAN, section 2).
    """

    def __init__(self, size: int, channels: int, **kwargs):
        super().__init__(**kwargs)
        self.size = positive_int("size", size, example=7)
        self.channels = positive_int("channels", channels, example=64)

    def build(self, input_shape):
        self.constant = self.add_weight(shape=(1, self.size, self.size, self.channels), name="constant",
                                        initializer=keras.initializers.RandomNormal(stddev=1.0))

    def call(self, w):
        return ops.repeat(ops.cast(self.constant, w.dtype), ops.shape(w)[0], axis=0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "channels": self.channels}


@keras.saving.register_keras_serializable(package="ganlab")
class TakeStyle(layers.Layer):
    """(batch, num_ws, w_dim) -> (batch, w_dim): the w of style layer ``index``."""

    def __init__(self, index: int, **kwargs):
        super().__init__(**kwargs)
        self.index = positive_int("index", index, minimum=0, example=0)

    def call(self, ws):
        return ws[:, self.index]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "index": self.index}


@keras.saving.register_keras_serializable(package="ganlab")
class BroadcastStyle(layers.Layer):
    """(batch, w_dim) -> (batch, num_ws, w_dim): the same w for every style layer (no mixing)."""

    def __init__(self, num_ws: int, **kwargs):
        super().__init__(**kwargs)
        self.num_ws = positive_int("num_ws", num_ws, example=5)

    def call(self, w):
        return ops.repeat(w[:, None, :], self.num_ws, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_ws, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "num_ws": self.num_ws}


@keras.saving.register_keras_serializable(package="ganlab")
class ModulatedConv2D(layers.Layer):
    """A convolution modulated by a style: inputs [x (batch, h, w, in), w (batch, w_dim)] -> (batch, h, w, filters).

    A learned affine map (:class:`ScaledDense`, bias 1 so that the style starts near 1) turns w into one
    scale per input channel, and :func:`modulated_conv2d` (or the ``convolution`` given) applies it, with
    demodulation unless ``demodulate=False`` (StyleGAN2 turns it off for the toRGB layers). The kernel has
    an equalised learning rate: stored N(0, 1), used times 1/sqrt(kernel_size^2 * in). No bias here:
    :class:`BiasActivation` adds it after the noise, as StyleGAN2 does.
    """

    def __init__(self, filters: int, kernel_size: int = 3, demodulate: bool = True, convolution=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = positive_int("filters", filters, example=64)
        self.kernel_size = positive_int("kernel_size", kernel_size, example=3)
        self.demodulate = bool(demodulate)
        # The function itself is part of the config: a copy (clone_model, the weight average) applies the same
        # function object, and a saved model names it, so loading fails loudly where it is not defined.
        self.convolution = _convolution(convolution)

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        in_channels = int(x_shape[-1])
        self.affine = ScaledDense(in_channels, bias_init=1.0, name="affine")
        self.affine.build(w_shape)
        self.kernel = self.add_weight(shape=(self.kernel_size, self.kernel_size, in_channels, self.filters),
                                      name="kernel", initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.weight_scale = 1.0 / math.sqrt(in_channels * self.kernel_size**2)

    def call(self, inputs):
        x, w = inputs
        style = self.affine(w)
        return self.convolution(x, self.kernel * self.weight_scale, style, self.demodulate)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (self.filters,)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "demodulate": self.demodulate, "convolution": self.convolution}


@keras.saving.register_keras_serializable(package="ganlab")
class ScaledConv2D(layers.Layer):
    """An ordinary 3x3 convolution with an equalised learning rate, no bias: (batch, h, w, in) -> (batch, h, w, filters).
    The AdaIN generator's convolution (its styles act in :class:`AdaIN` instead)."""

    def __init__(self, filters: int, kernel_size: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.filters = positive_int("filters", filters, example=64)
        self.kernel_size = positive_int("kernel_size", kernel_size, example=3)

    def build(self, input_shape):
        in_channels = int(input_shape[-1])
        self.kernel = self.add_weight(shape=(self.kernel_size, self.kernel_size, in_channels, self.filters),
                                      name="kernel", initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.weight_scale = 1.0 / math.sqrt(in_channels * self.kernel_size**2)

    def call(self, x):
        return ops.conv(x, self.kernel * self.weight_scale, padding="same")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.filters,)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size}


@keras.saving.register_keras_serializable(package="ganlab")
class AdaIN(layers.Layer):
    """StyleGAN's style layer: inputs [x (batch, h, w, c), w (batch, w_dim)] -> (batch, h, w, c).

    An affine map of w gives each channel a scale (starting near 1) and a bias (near 0), and
    :func:`adain` normalises each feature map of each sample before applying them.
    """

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        channels = int(x_shape[-1])
        self.scale_affine = ScaledDense(channels, bias_init=1.0, name="scale_affine")
        self.bias_affine = ScaledDense(channels, bias_init=0.0, name="bias_affine")
        self.scale_affine.build(w_shape)
        self.bias_affine.build(w_shape)

    def call(self, inputs):
        x, w = inputs
        return adain(x, self.scale_affine(w), self.bias_affine(w))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])


@keras.saving.register_keras_serializable(package="ganlab")
class NoiseInjection(layers.Layer):
    """x + strength_c * noise: one N(0, 1) value per pixel, shared by the channels, scaled per channel.

    (batch, h, w, c) -> (batch, h, w, c). ``strength`` (c,) is learned and starts at 0 (StyleGAN,
    section 3.2). ``mode`` says where the noise comes from, in training and in sampling alike:

    * ``"random"`` (the default): fresh noise at every call, from the layer's own seed generator;
    * ``"const"``: one fixed noise image, drawn when the layer is built and saved with its weights;
    * ``"zero"``: no noise.

    Change it for a whole generator with :func:`noise_mode` (the figure "same w, different noise"
    uses ``"random"``; tests that need identical images use ``"const"``).
    """

    def __init__(self, seed: int | None = None, mode: str = "random", **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.mode = one_of("mode", mode, NOISE_MODES)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        _, height, width, channels = input_shape
        self.strength = self.add_weight(shape=(int(channels),), name="strength", initializer="zeros")
        self.fixed_noise = self.add_weight(shape=(1, int(height), int(width), 1), name="fixed_noise",
                                           initializer=keras.initializers.RandomNormal(stddev=1.0, seed=self.seed),
                                           trainable=False)

    def call(self, x):
        if self.mode == "zero":
            return x
        if self.mode == "const":
            noise = ops.cast(self.fixed_noise, x.dtype)
        else:
            shape = ops.shape(x)
            noise = keras.random.normal((shape[0], shape[1], shape[2], 1), seed=self.seed_generator, dtype=x.dtype)
        return x + noise * ops.cast(self.strength, x.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}


@keras.saving.register_keras_serializable(package="ganlab")
class BiasActivation(layers.Layer):
    """x + bias_c, then LeakyReLU(0.2) times sqrt(2) (StyleGAN2's ``bias_act``). Shape kept."""

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(int(input_shape[-1]),), name="bias", initializer="zeros")

    def call(self, x):
        return ops.leaky_relu(x + ops.cast(self.bias, x.dtype), 0.2) * SQRT2

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


@keras.saving.register_keras_serializable(package="ganlab")
class AddBias(layers.Layer):
    """x + bias_c: the toRGB layers' bias. Shape kept."""

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(int(input_shape[-1]),), name="bias", initializer="zeros")

    def call(self, x):
        return x + ops.cast(self.bias, x.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


# -- networks -----------------------------------------------------------------------------------------------

def mapping_network(latent_dim: int = 64, w_dim: int = 64, depth: int = 4, lr_multiplier: float = 0.01,
                    name: str = "mapping") -> keras.Model:
    """The mapping network f: z (batch, latent_dim) -> w (batch, w_dim).

    z is normalised onto a sphere (:class:`PixelNorm`), then ``depth`` dense layers with LeakyReLU
    (StyleGAN: 8 layers of 512; here 4 of 64). ``lr_multiplier`` 0.01, as in the paper: the mapping
    learns 100 times slower than the synthesis network, which keeps w's distribution from moving
    under the synthesis network's feet.
    """
    latent_dim = positive_int("latent_dim", latent_dim, example=64)
    w_dim = positive_int("w_dim", w_dim, example=64)
    depth = positive_int("depth", depth, example=4)
    lr_multiplier = positive_float("lr_multiplier", lr_multiplier)
    z = keras.Input(shape=(latent_dim,), name="z")
    x = PixelNorm(name="normalize_z")(z)
    for i in range(depth):
        x = ScaledDense(w_dim, lr_multiplier=lr_multiplier, activation="lrelu", name=f"dense_{i}")(x)
    return keras.Model(z, x, name=name)


def synthesis_network(w_dim: int = 64, image_shape=(28, 28, 1), channels=(64, 64, 32), upsamplings: int = 2,
                      style: str = "modulated", convolution=None, noise_seed: int = 0,
                      name: str = "synthesis") -> keras.Model:
    """The synthesis network g: ws (batch, num_ws, w_dim) -> images (batch, *image_shape) in [-1, 1].

    From a learned constant of size image_size / 2^upsamplings (7x7 for 28x28), one style layer at the
    first resolution and two at every later one (bilinear upsampling before the first), so
    num_ws = 1 + 2 * upsamplings (5 at 28x28). A style layer is, for ``style="modulated"`` (StyleGAN2):
    modulated 3x3 convolution with demodulation -> noise -> bias -> LeakyReLU; for ``style="adain"``
    (StyleGAN): 3x3 convolution -> noise -> bias -> LeakyReLU -> AdaIN. Each resolution ends in a 1x1
    modulated "toRGB" convolution (no demodulation) using the w of that resolution's last layer; the
    toRGB outputs are upsampled and summed (skip architecture), then tanh.

    ``channels``: one width per resolution (upsamplings + 1 of them), or one int for all.
    ``convolution``: a function like :func:`modulated_conv2d` to use instead of it (notebook 07's exercise).
    """
    w_dim = positive_int("w_dim", w_dim, example=64)
    image_shape = shape("image_shape", image_shape, ndim=(3,))
    upsamplings = positive_int("upsamplings", upsamplings, minimum=0, example=2)
    style = one_of("style", style, STYLES)
    base = base_size(image_shape, upsamplings) if upsamplings else image_shape[0]
    widths = int_sequence("channels", channels)
    if len(widths) == 1:
        widths = widths * (upsamplings + 1)
    if len(widths) != upsamplings + 1:
        raise ValueError(f"channels must give one width per resolution ({upsamplings + 1} for upsamplings="
                         f"{upsamplings}), or one int for all; got {channels!r}.")
    convolution = _convolution(convolution)  # checked here, before any layer is built
    num_ws = 1 + 2 * upsamplings
    ws = keras.Input(shape=(num_ws, w_dim), name="ws")
    per_layer = [TakeStyle(i, name=f"w_{i}")(ws) for i in range(num_ws)]

    x = ConstantInput(base, widths[0], name="constant")(per_layer[0])
    rgb = None
    index = 0
    for level, width in enumerate(widths):
        size = base * 2**level
        if level:
            x = layers.UpSampling2D(2, interpolation="bilinear", name=f"upsample_{size}")(x)
        for _ in range(1 if level == 0 else 2):
            tag = f"{size}x{size}_{index}"
            if style == "modulated":
                x = ModulatedConv2D(width, 3, convolution=convolution, name=f"conv_{tag}")([x, per_layer[index]])
            else:
                x = ScaledConv2D(width, 3, name=f"conv_{tag}")(x)
            x = NoiseInjection(seed=noise_seed + index, name=f"noise_{tag}")(x)
            x = BiasActivation(name=f"bias_act_{tag}")(x)
            if style == "adain":
                x = AdaIN(name=f"adain_{tag}")([x, per_layer[index]])
            index += 1
        layer_rgb = ModulatedConv2D(image_shape[-1], 1, demodulate=False, convolution=convolution,
                                    name=f"to_rgb_{size}x{size}")([x, per_layer[index - 1]])
        layer_rgb = AddBias(name=f"to_rgb_bias_{size}x{size}")(layer_rgb)
        if rgb is None:
            rgb = layer_rgb
        else:
            rgb = layers.Add(name=f"skip_{size}x{size}")(
                [layers.UpSampling2D(2, interpolation="bilinear", name=f"upsample_rgb_{size}")(rgb), layer_rgb])
    images = layers.Activation("tanh", dtype="float32", name="tanh")(rgb)
    return keras.Model(ws, images, name=name)


def style_generator(latent_dim: int = 64, image_shape=(28, 28, 1), w_dim: int = 64, mapping_depth: int = 4,
                    mapping_lr_multiplier: float = 0.01, channels=(64, 64, 32), upsamplings: int = 2,
                    style: str = "modulated", convolution=None, noise_seed: int = 0,
                    name: str = "style_generator") -> keras.Model:
    """A style-based generator: z (batch, latent_dim) -> images (batch, *image_shape) in [-1, 1].

    z -> :func:`mapping_network` -> w, the same w for every style layer (:class:`BroadcastStyle`) ->
    :func:`synthesis_network`. One noise input, as ``ganlab.GAN`` expects; the halves are
    ``generator.get_layer("mapping")`` and ``generator.get_layer("synthesis")`` (see :func:`parts`).
    A moving average of its weights, as StyleGAN samples from, is the GAN's choice: ``GAN(..., ema_decay=0.999)``.
    """
    mapping = mapping_network(latent_dim, w_dim, mapping_depth, mapping_lr_multiplier)
    synthesis = synthesis_network(w_dim, image_shape, channels, upsamplings, style, convolution, noise_seed)
    z = keras.Input(shape=(latent_dim,), name="noise")
    ws = BroadcastStyle(synthesis.input_shape[1], name="broadcast")(mapping(z))
    return keras.Model(z, synthesis(ws), name=name)


def style_generator_optimizer(learning_rate: float = 2e-3) -> keras.optimizers.Optimizer:
    """StyleGAN2's generator optimizer: Adam, beta_1 = 0, beta_2 = 0.99 (its weights have equalised learning rates)."""
    return keras.optimizers.Adam(learning_rate=positive_float("learning_rate", learning_rate), beta_1=0.0, beta_2=0.99)


# -- using a trained generator --------------------------------------------------------------------------------

def parts(generator: keras.Model) -> tuple[keras.Model, keras.Model]:
    """(mapping, synthesis) of a :func:`style_generator` (or its moving-average copy)."""
    if not isinstance(generator, keras.Model):
        raise TypeError(f"generator must be a keras.Model from ganlab.models.style_generator, got "
                        f"{type(generator).__name__}.")
    found = {}
    for layer in generator.layers:
        for part in ("mapping", "synthesis"):
            if isinstance(layer, keras.Model) and layer.name.startswith(part):
                found[part] = layer
    if len(found) != 2:
        raise ValueError(f"generator {generator.name!r} has no 'mapping' and 'synthesis' parts: pass a model built by "
                         "ganlab.models.style_generator (or gan.sampling_generator of a GAN trained with one).")
    return found["mapping"], found["synthesis"]


def num_styles(generator: keras.Model) -> int:
    """How many style layers (ws) the generator's synthesis network takes."""
    return int(parts(generator)[1].input_shape[1])


def _latents(name, z, latent_dim):
    z = np.asarray(z, np.float32)
    if z.ndim != 2 or z.shape[1] != latent_dim:
        raise ValueError(f"{name} must have shape (n, {latent_dim}), one latent vector per sample, got {z.shape}.")
    return z


def _batched(model, x, batch_size):
    return predict(model, x, batch_size)


def map_to_w(generator: keras.Model, z, batch_size: int = 1024) -> np.ndarray:
    """w = f(z): (n, latent_dim) -> (n, w_dim), as NumPy."""
    mapping, _ = parts(generator)
    return _batched(mapping, _latents("z", z, mapping.input_shape[1]), batch_size)


def w_average(generator: keras.Model, n: int = 10000, seed: int = 0) -> np.ndarray:
    """The mean w over ``n`` draws of z ~ N(0, I): shape (w_dim,). (StyleGAN tracks it during training instead.)"""
    mapping, _ = parts(generator)
    n = positive_int("n", n, example=10000)
    z = np.random.default_rng(seed).standard_normal((n, mapping.input_shape[1])).astype(np.float32)
    return map_to_w(generator, z).mean(axis=0)


def _all_layers(model):
    """Every layer of ``model``, those of the models nested in it included."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


@contextlib.contextmanager
def noise_mode(generator: keras.Model, mode: str):
    """Within the ``with`` block, every :class:`NoiseInjection` layer of ``generator`` uses ``mode``.

    ``"random"``, ``"const"`` or ``"zero"``; the previous modes come back afterwards. Calls made in
    the block in eager mode see the change (a traced ``fit`` step keeps the mode it was traced with).
    """
    mode = one_of("mode", mode, NOISE_MODES)
    noise_layers = [layer for layer in _all_layers(generator) if isinstance(layer, NoiseInjection)]
    before = [layer.mode for layer in noise_layers]
    try:
        for layer in noise_layers:
            layer.mode = mode
        yield noise_layers
    finally:
        for layer, previous in zip(noise_layers, before):
            layer.mode = previous


def synthesize(generator: keras.Model, ws, noise: str = "random", batch_size: int = 512) -> np.ndarray:
    """Images from styles: ws (n, num_ws, w_dim), or one w per sample (n, w_dim) for every layer.

    ``noise``: ``"random"`` (fresh per call), ``"const"`` (the layers' fixed noise images: the same w
    then always gives the same image) or ``"zero"``. Returns (n, *image_shape) in [-1, 1], as NumPy.
    """
    _, synthesis = parts(generator)
    num_ws, w_dim = synthesis.input_shape[1:]
    ws = np.asarray(ws, np.float32)
    if ws.ndim == 2 and ws.shape[1] == w_dim:
        ws = np.repeat(ws[:, None], num_ws, axis=1)
    if ws.ndim != 3 or ws.shape[1:] != (num_ws, w_dim):
        raise ValueError(f"ws must have shape (n, {num_ws}, {w_dim}) (one w per style layer) or (n, {w_dim}), "
                         f"got {ws.shape}.")
    with noise_mode(generator, noise):
        return _batched(synthesis, ws, batch_size)


def mix_styles(w1, w2, crossover: int, num_ws: int) -> np.ndarray:
    """ws (n, num_ws, w_dim) taking layers 0 .. crossover - 1 from w1 and crossover .. num_ws - 1 from w2.

    w1, w2: (n, w_dim). crossover 0 gives w2 everywhere, num_ws gives w1 everywhere. Early layers
    work at low resolution (pose, shape: "coarse" styles), late ones at high resolution ("fine").
    """
    w1, w2 = np.asarray(w1, np.float32), np.asarray(w2, np.float32)
    if w1.ndim != 2 or w1.shape != w2.shape:
        raise ValueError(f"w1 and w2 must both have shape (n, w_dim), got {w1.shape} and {w2.shape}.")
    num_ws = positive_int("num_ws", num_ws, example=5)
    if isinstance(crossover, bool) or not isinstance(crossover, (int, np.integer)) or not 0 <= crossover <= num_ws:
        raise ValueError(f"crossover must be a layer index from 0 to num_ws = {num_ws}, got {crossover!r}.")
    first = np.arange(num_ws) < crossover
    return np.where(first[None, :, None], w1[:, None], w2[:, None])


def style_mix(generator: keras.Model, z1, z2, crossover: int, noise: str = "const", psi: float = 1.0,
              w_avg=None) -> np.ndarray:
    """Images whose style layers before ``crossover`` take z1's w and the rest z2's (StyleGAN, section 3.1).

    z1, z2: (n, latent_dim). ``crossover=0``: z2's image alone; ``crossover=num_ws``: z1's. ``psi`` < 1
    truncates both w towards ``w_avg`` first (computed if not given). Returns (n, *image_shape).
    """
    mapping, _ = parts(generator)
    latent_dim = mapping.input_shape[1]
    z1, z2 = _latents("z1", z1, latent_dim), _latents("z2", z2, latent_dim)
    if z1.shape != z2.shape:
        raise ValueError(f"z1 and z2 must have the same shape, got {z1.shape} and {z2.shape}.")
    w1, w2 = map_to_w(generator, z1), map_to_w(generator, z2)
    if psi != 1.0:
        w_avg = w_average(generator) if w_avg is None else w_avg
        w1, w2 = truncate(w1, w_avg, psi), truncate(w2, w_avg, psi)
    return synthesize(generator, mix_styles(w1, w2, crossover, num_styles(generator)), noise=noise)


def truncated_samples(generator: keras.Model, z, psi: float, w_avg=None, noise: str = "random") -> np.ndarray:
    """Images from z with w truncated towards ``w_avg`` by ``psi``: (n, latent_dim) -> (n, *image_shape)."""
    w_avg = w_average(generator) if w_avg is None else w_avg
    return synthesize(generator, truncate(map_to_w(generator, z), w_avg, psi), noise=noise)
