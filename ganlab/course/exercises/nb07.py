"""Checks for notebook 07 (StyleGAN's ideas): the modulated convolution with demodulation, AdaIN, and truncation.

Each reference below takes keywords that make one usual mistake each, so that a check can say which
mistake a learner's answer makes.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from ganlab.course.exercises.feedback import Feedback, call, correct, wrong

EPSILON = 1e-8


def _conv(x, weight):
    return tf.nn.conv2d(tf.constant(x, tf.float32), tf.constant(weight, tf.float32), 1, "SAME").numpy().astype(np.float64)


# -- the modulated convolution ------------------------------------------------------------------------------

def reference_modulated_conv(x, weight, style, demodulate=True, ignore_flag=False, style_in_norm=True,
                             square_style=True, axes="kernel_and_inputs", epsilon_inside=True, plus_one=False,
                             epsilon=EPSILON):
    """The modulated convolution in NumPy (per-sample weights), with keywords for the usual mistakes:
    ``ignore_flag`` (demodulates even when told not to), ``style_in_norm=False`` (normalises the shared
    weights, not the modulated ones), ``square_style=False`` (s instead of s^2 in the norm), ``axes``
    ("all": one coefficient per sample; "inputs_only": the sum over input channels alone, leaving out
    the kernel's pixels), ``epsilon_inside=False`` (1 / (sqrt(sum) + eps)), ``plus_one`` (style + 1)."""
    x, weight, style = (np.asarray(a, np.float64) for a in (x, weight, style))
    if plus_one:
        style = style + 1
    modulated = weight[None] * style[:, None, None, :, None]  # (b, kh, kw, in, out)
    if demodulate or ignore_flag:
        if style_in_norm:
            normed = weight[None] * (style if square_style else np.sqrt(np.abs(style)))[:, None, None, :, None]
        else:
            normed = np.broadcast_to(weight[None], modulated.shape)
        summed_axes = {"kernel_and_inputs": (1, 2, 3), "all": (1, 2, 3, 4), "inputs_only": (3,)}[axes]
        total = (normed ** 2).sum(axis=summed_axes, keepdims=True)
        modulated = modulated * (1 / np.sqrt(total + epsilon) if epsilon_inside else 1 / (np.sqrt(total) + epsilon))
    return np.concatenate([_conv(x[i:i + 1], modulated[i]) for i in range(len(x))])


def _modulation_cases():
    rng = np.random.default_rng(7)
    ordinary = (rng.normal(size=(2, 6, 6, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(1.0, 0.6, size=(2, 3)))
    # weights so small that sum (s w)^2 is about epsilon: only then does where epsilon goes show
    tiny = (rng.normal(size=(2, 5, 5, 3)), rng.normal(size=(3, 3, 3, 4)) * 1e-5, rng.normal(1.0, 0.3, size=(2, 3)))
    return ordinary, tiny


def _as_tensors(case):
    return tuple(tf.constant(a, tf.float32) for a in case)


def check_modulated_conv(fn) -> Feedback:
    """Mark ``fn(x, weight, style, demodulate=True)``: x (b, h, w, in), weight (kh, kw, in, out), style (b, in)."""
    ordinary, tiny = _modulation_cases()
    x, weight, style = ordinary
    truth = reference_modulated_conv(x, weight, style)
    got = call(fn, *_as_tensors(ordinary), what="your modulated_conv")
    if not isinstance(got, np.ndarray):
        return got
    if got.shape != truth.shape:
        return wrong(f"for x {x.shape}, weight {weight.shape} and style {style.shape} the output has shape "
                     f"{truth.shape} (batch, height, width, out_channels), yours {got.shape}. Use padding 'same'.")
    if not np.allclose(got, truth, rtol=1e-3, atol=1e-4):
        mistakes = [
            (dict(demodulate=False), "your output is modulated but not demodulated: divide each sample's output "
             "channel o by sqrt(sum over kh, kw and the input channels of (s_i w_klio)^2 + epsilon)."),
            (dict(style_in_norm=False), "you demodulate with the shared weights' norm: the norm must be that of the "
             "*modulated* weights s_i w_klio, which differs from sample to sample."),
            (dict(square_style=False), "the demodulation sums the squares of the modulated weights, (s_i w)^2 = "
             "s_i^2 w^2: square the style as well as the weights."),
            (dict(axes="all"), "you normalise over the output channels too (one coefficient per sample): StyleGAN2 "
             "gives every output channel its own coefficient, summing over kh, kw and the input channels only."),
            (dict(axes="inputs_only"), "your sum runs over the input channels but not over the kernel's kh x kw "
             "positions: a 3x3 kernel has 9 weights per input channel, and all of them count."),
            (dict(plus_one=True), "you add 1 to the style: here the style is already the scale (the affine layer "
             "that makes it starts at 1), so multiply by it as it is."),
        ]
        for keywords, message in mistakes:
            if np.allclose(got, reference_modulated_conv(x, weight, style, **keywords), rtol=1e-3, atol=1e-4):
                return wrong(message)
        return wrong(f"on a test case (x {x.shape}, weight {weight.shape}) your output differs from the modulated "
                     f"convolution by up to {np.abs(got - truth).max():.3g}. Scale input channel i by s_i, "
                     "convolve, and divide output channel o by sqrt(sum_{k,l,i} (s_i w_klio)^2 + 1e-8).")
    plain = call(fn, *_as_tensors(ordinary), False, what="your modulated_conv with demodulate=False")
    if not isinstance(plain, np.ndarray):
        return plain
    if not np.allclose(plain, reference_modulated_conv(x, weight, style, demodulate=False), rtol=1e-3, atol=1e-4):
        if np.allclose(plain, truth, rtol=1e-3, atol=1e-4):
            return wrong("with demodulate=False your function still demodulates: the toRGB layers call it that way "
                         "and need the modulated convolution alone.")
        return wrong("with demodulate=False the output should be the convolution of the style-scaled input with "
                     "the shared weights, and yours is not.")
    x, weight, style = tiny
    got = call(fn, *_as_tensors(tiny), what="your modulated_conv")
    if not isinstance(got, np.ndarray):
        return got
    if not np.allclose(got, reference_modulated_conv(x, weight, style), rtol=1e-3, atol=1e-4):
        outside = reference_modulated_conv(x, weight, style, epsilon_inside=False)
        if np.allclose(got, outside, rtol=1e-3, atol=1e-4):
            return wrong("with weights of about 1e-5 your output differs: epsilon belongs inside the square root, "
                         "1 / sqrt(sum + 1e-8). Outside it (or left out) a near-zero kernel is blown up to unit norm.")
        return wrong("with weights of about 1e-5 (sum of squares near epsilon) your output differs from "
                     "1 / sqrt(sum + 1e-8) scaling: use epsilon = 1e-8 inside the square root.")
    try:
        traced = tf.function(lambda a, b, c: fn(a, b, c, True))(*_as_tensors(ordinary))
        traced = np.asarray(traced, np.float64)
    except Exception as error:  # the learner's code cannot be traced
        return wrong(f"your function works on concrete arrays but not inside a traced training step "
                     f"({type(error).__name__}: {str(error)[:200]}). Use keras.ops or tf functions, not NumPy.")
    if not np.allclose(traced, reference_modulated_conv(*ordinary), rtol=1e-3, atol=1e-4):
        return wrong("inside tf.function your function gives other numbers than outside it: use keras.ops or tf "
                     "functions throughout.")
    return correct("each sample's weights are scaled per input channel by its style and renormalised per output "
                   "channel. The next cells build the style generator with your function and train it.")


# -- AdaIN --------------------------------------------------------------------------------------------------

def reference_adain(x, scale, bias, axes=(1, 2), epsilon_inside=True, use_bias=True, swapped=False, plus_one=False,
                    epsilon=EPSILON):
    """AdaIN in NumPy; ``axes`` (0, 1, 2) is batch norm, (1, 2, 3) layer norm; the other keywords, one mistake each."""
    x, scale, bias = (np.asarray(a, np.float64) for a in (x, scale, bias))
    if swapped:
        scale, bias = bias, scale
    if plus_one:
        scale = scale + 1
    mean = x.mean(axis=axes, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    normalised = (x - mean) / (np.sqrt(variance + epsilon) if epsilon_inside else np.sqrt(variance) + epsilon)
    return scale[:, None, None, :] * normalised + (bias[:, None, None, :] if use_bias else 0)


def check_adain(fn) -> Feedback:
    """Mark ``fn(x, scale, bias)``: x (b, h, w, c), scale and bias (b, c)."""
    rng = np.random.default_rng(8)
    x = rng.normal(2.0, 3.0, size=(3, 5, 5, 4)) + rng.normal(0, 2, size=(3, 1, 1, 4))
    scale, bias = rng.normal(1.0, 0.5, size=(3, 4)), rng.normal(0.0, 1.0, size=(3, 4))
    truth = reference_adain(x, scale, bias)
    got = call(fn, *_as_tensors((x, scale, bias)), what="your adain")
    if not isinstance(got, np.ndarray):
        return got
    if got.shape != truth.shape:
        return wrong(f"the output has the shape of x, {truth.shape}; yours is {got.shape}.")
    if not np.allclose(got, truth, rtol=1e-3, atol=1e-4):
        mistakes = [
            (dict(axes=(0, 1, 2)), "you normalise over the batch as well (batch normalisation): AdaIN normalises each "
             "sample's each feature map on its own, over its height and width (axes 1 and 2)."),
            (dict(axes=(1, 2, 3)), "you normalise over the channels as well (layer normalisation): each channel of "
             "each sample gets its own mean and variance, over axes 1 and 2 only."),
            (dict(use_bias=False), "the style's bias is missing: scale * normalised + bias."),
            (dict(swapped=True), "scale and bias are swapped: multiply by scale, then add bias."),
            (dict(plus_one=True), "you add 1 to the scale: here the scale is given as it is (the affine layer that "
             "makes it starts at 1)."),
        ]
        for keywords, message in mistakes:
            if np.allclose(got, reference_adain(x, scale, bias, **keywords), rtol=1e-3, atol=1e-4):
                return wrong(message)
        return wrong(f"on a test case your output differs from AdaIN by up to {np.abs(got - truth).max():.3g}: "
                     "(x - mean) / sqrt(variance + 1e-8) per sample and channel, over height and width, then "
                     "scale * that + bias.")
    flat = np.full((2, 3, 3, 2), 5.0) + rng.normal(0, 1e-5, size=(2, 3, 3, 2))  # variance about 1e-10
    scale, bias = np.ones((2, 2)), np.zeros((2, 2))
    got = call(fn, *_as_tensors((flat, scale, bias)), what="your adain")
    if not isinstance(got, np.ndarray):
        return got
    if not np.allclose(got, reference_adain(flat, scale, bias), rtol=1e-2, atol=2e-2):
        return wrong("on a nearly constant feature map (variance about 1e-10) your output is blown up: put "
                     "epsilon = 1e-8 inside the square root, (x - mean) / sqrt(variance + 1e-8).")
    return correct("each feature map of each sample is set to the style's mean and standard deviation, whatever "
                   "its own were: that is what lets a style layer override what came before it, and also what "
                   "StyleGAN2 blames for the droplets (next cells).")


# -- truncation ---------------------------------------------------------------------------------------------

def check_truncate(fn) -> Feedback:
    """Mark ``fn(w, w_avg, psi)``: w (n, w_dim), w_avg (w_dim,), psi a number; returns (n, w_dim)."""
    rng = np.random.default_rng(9)
    w, w_avg = rng.normal(size=(5, 6)), rng.normal(2.0, 1.0, size=6)
    for psi in (0.7, 0.0, 1.0, 0.3):
        got = call(fn, w.copy(), w_avg.copy(), psi, what="your truncate")
        if not isinstance(got, np.ndarray):
            return got
        truth = w_avg + psi * (w - w_avg)
        if got.shape != truth.shape:
            return wrong(f"the output has the shape of w, {truth.shape}; yours is {got.shape}.")
        if np.allclose(got, truth, rtol=1e-5, atol=1e-6):
            continue
        if np.allclose(got, psi * w, rtol=1e-5, atol=1e-6):
            return wrong(f"with psi = {psi} you shrink w towards 0. Truncation pulls w towards the *mean* w: "
                         "w_avg + psi (w - w_avg). (In Z the mean is 0, so BigGAN's truncation of z is psi z; W's "
                         "mean is not 0.)")
        if np.allclose(got, w_avg + (1 - psi) * (w - w_avg), rtol=1e-5, atol=1e-6):
            return wrong(f"with psi = {psi} your w is {1 - psi:g} of the way from w_avg to w: psi = 1 must leave w "
                         "unchanged and psi = 0 give w_avg.")
        if np.allclose(got, w_avg + psi * w, rtol=1e-5, atol=1e-6):
            return wrong("you add psi w to w_avg; scale the difference instead: w_avg + psi (w - w_avg).")
        return wrong(f"with psi = {psi} the truncated w is w_avg + psi (w - w_avg); yours differs by up to "
                     f"{np.abs(got - truth).max():.3g}.")
    return correct("psi = 1 leaves w alone, psi = 0 sends every sample to the mean w's image. The truncation "
                   "experiment below uses your function.")
