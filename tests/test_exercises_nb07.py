"""ganlab.course.exercises.nb07: every check passes the right answers and explains each plausible wrong one."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from feedback_helpers import fails, not_written, passes
from ganlab.course.exercises import nb07
from ganlab.models import style


# -- the modulated convolution --------------------------------------------------------------------------------

def modulated_conv(x, weight, s, demodulate=True, mistake=None):
    """A learner's answer in keras.ops; ``mistake`` makes one error."""
    if mistake == "plus_one":
        s = s + 1
    y = ops.conv(x * s[:, None, None, :], weight, padding="same")
    if not demodulate and mistake != "ignore_flag":
        return y
    if mistake == "no_demodulation":
        return y
    squared_weight = ops.square(weight)
    if mistake == "shared_norm":
        total = ops.sum(squared_weight, axis=(0, 1, 2))[None, :] * ops.ones_like(s[:, :1])
    elif mistake == "style_not_squared":
        total = ops.matmul(s, ops.sum(squared_weight, axis=(0, 1)))
    elif mistake == "all_axes":
        total = ops.sum(ops.matmul(ops.square(s), ops.sum(squared_weight, axis=(0, 1))), axis=1, keepdims=True)
    else:
        total = ops.matmul(ops.square(s), ops.sum(squared_weight, axis=(0, 1)))
    if mistake == "epsilon_outside":
        coefficients = 1 / (ops.sqrt(total) + 1e-8)
    elif mistake == "no_epsilon":
        coefficients = ops.rsqrt(total)
    else:
        coefficients = ops.rsqrt(total + 1e-8)
    return y * coefficients[:, None, None, :]


def with_mistake(mistake):
    return lambda x, weight, s, demodulate=True: modulated_conv(x, weight, s, demodulate, mistake)


def per_sample_kernels(x, weight, s, demodulate=True):
    """Another right answer: build each sample's weights and convolve one sample at a time."""
    w = weight[None] * s[:, None, None, :, None]
    if demodulate:
        w = w * tf.math.rsqrt(tf.reduce_sum(w**2, axis=[1, 2, 3], keepdims=True) + 1e-8)
    return tf.concat([tf.nn.conv2d(x[i:i + 1], w[i], 1, "SAME") for i in range(x.shape[0])], axis=0)


def inputs_only(x, weight, s, demodulate=True):
    """Sums over input channels only, one coefficient per kernel position: a different-shaped mistake."""
    w = weight[None] * s[:, None, None, :, None]
    if demodulate:
        w = w * tf.math.rsqrt(tf.reduce_sum(w**2, axis=[3], keepdims=True) + 1e-8)
    return tf.concat([tf.nn.conv2d(x[i:i + 1], w[i], 1, "SAME") for i in range(x.shape[0])], axis=0)


@pytest.mark.parametrize("answer", [modulated_conv, per_sample_kernels, style.modulated_conv2d],
                         ids=["ops", "per-sample", "ganlab"])
def test_modulated_conv_right_answers(answer):
    passes(nb07.check_modulated_conv(answer))


def test_the_cases_separate_the_mistakes():
    ordinary, tiny = nb07._modulation_cases()
    outputs = [nb07.reference_modulated_conv(*ordinary, **kw) for kw in
               [{}, dict(demodulate=False), dict(style_in_norm=False), dict(square_style=False), dict(axes="all"),
                dict(axes="inputs_only"), dict(plus_one=True)]]
    for i in range(len(outputs)):
        for j in range(i):
            assert not np.allclose(outputs[i], outputs[j], rtol=1e-3, atol=1e-4), (i, j)
    assert np.allclose(nb07.reference_modulated_conv(*ordinary), nb07.reference_modulated_conv(
        *ordinary, epsilon_inside=False), rtol=1e-3, atol=1e-4)  # epsilon only shows on the tiny case
    assert not np.allclose(nb07.reference_modulated_conv(*tiny), nb07.reference_modulated_conv(
        *tiny, epsilon_inside=False), rtol=1e-3, atol=1e-4)


def numpy_only(x, weight, s, demodulate=True):
    return nb07.reference_modulated_conv(np.asarray(x), np.asarray(weight), np.asarray(s), demodulate)


@pytest.mark.parametrize("answer, phrase", [
    (with_mistake("no_demodulation"), "not demodulated"),
    (with_mistake("shared_norm"), "shared weights' norm"),
    (with_mistake("style_not_squared"), "square the style"),
    (with_mistake("all_axes"), "output channels too"),
    (inputs_only, "kh x kw"),
    (with_mistake("plus_one"), "you add 1 to the style"),
    (with_mistake("ignore_flag"), "still demodulates"),
    (with_mistake("epsilon_outside"), "epsilon belongs inside the square root"),
    (with_mistake("no_epsilon"), "epsilon belongs inside the square root"),
    (lambda x, weight, s, demodulate=True: ops.conv(x, weight, padding="valid"), "Use padding 'same'"),
    (lambda x, weight, s, demodulate=True: modulated_conv(x, weight, s) * 2, "differs from the modulated"),
    (numpy_only, "not inside a traced training step"),
    (not_written, "not written yet"),
    (lambda x, weight, s, demodulate=True: None, "forget `return`"),
], ids=["no-demod", "shared-norm", "style-not-squared", "all-axes", "inputs-only", "plus-one", "ignore-flag",
        "eps-outside", "no-eps", "valid", "other", "numpy", "not-implemented", "none"])
def test_modulated_conv_wrong_answers(answer, phrase):
    fails(nb07.check_modulated_conv(answer), phrase)


# -- AdaIN --------------------------------------------------------------------------------------------------

def adain(x, scale, bias, axes=(1, 2), epsilon_outside=False, use_bias=True, swapped=False, plus_one=False):
    if swapped:
        scale, bias = bias, scale
    if plus_one:
        scale = scale + 1
    mean = ops.mean(x, axis=axes, keepdims=True)
    variance = ops.var(x, axis=axes, keepdims=True)
    normalised = (x - mean) / (ops.sqrt(variance) + 1e-8 if epsilon_outside else ops.sqrt(variance + 1e-8))
    return scale[:, None, None, :] * normalised + (bias[:, None, None, :] if use_bias else 0)


@pytest.mark.parametrize("answer", [adain, style.adain], ids=["ops", "ganlab"])
def test_adain_right_answers(answer):
    passes(nb07.check_adain(answer))


@pytest.mark.parametrize("answer, phrase", [
    (lambda x, s, b: adain(x, s, b, axes=(0, 1, 2)), "batch normalisation"),
    (lambda x, s, b: adain(x, s, b, axes=(1, 2, 3)), "layer normalisation"),
    (lambda x, s, b: adain(x, s, b, use_bias=False), "bias is missing"),
    (lambda x, s, b: adain(x, s, b, swapped=True), "swapped"),
    (lambda x, s, b: adain(x, s, b, plus_one=True), "add 1 to the scale"),
    (lambda x, s, b: adain(x, s, b, epsilon_outside=True), "inside the square root"),
    (lambda x, s, b: x, "differs from AdaIN"),
    (lambda x, s, b: x[0], "shape of x"),
    (not_written, "not written yet"),
], ids=["batch", "layer", "no-bias", "swapped", "plus-one", "eps-outside", "identity", "shape", "not-implemented"])
def test_adain_wrong_answers(answer, phrase):
    fails(nb07.check_adain(answer), phrase)


# -- truncation -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [lambda w, m, psi: m + psi * (w - m), lambda w, m, psi: (1 - psi) * m + psi * w,
                                    style.truncate], ids=["difference", "mixture", "ganlab"])
def test_truncate_right_answers(answer):
    passes(nb07.check_truncate(answer))


@pytest.mark.parametrize("answer, phrase", [
    (lambda w, m, psi: psi * w, "towards 0"),
    (lambda w, m, psi: m + (1 - psi) * (w - m), "psi = 1 must leave w"),
    (lambda w, m, psi: m + psi * w, "scale the difference"),
    (lambda w, m, psi: m + psi * (w - m) + 0.1, "differs by up to"),
    (lambda w, m, psi: m, "shape of w"),
    (not_written, "not written yet"),
    (lambda w, m, psi: "w", "not a string"),
], ids=["towards-zero", "reversed", "added", "other", "shape", "not-implemented", "string"])
def test_truncate_wrong_answers(answer, phrase):
    fails(nb07.check_truncate(answer), phrase)


def test_a_learners_convolution_trains_in_the_generator():
    g = style.style_generator(latent_dim=4, w_dim=4, mapping_depth=1, channels=4, convolution=modulated_conv)
    reference = style.style_generator(latent_dim=4, w_dim=4, mapping_depth=1, channels=4)
    reference.set_weights(g.get_weights())
    z = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    with style.noise_mode(g, "const"), style.noise_mode(reference, "const"):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(g(z)), keras.ops.convert_to_numpy(reference(z)),
                                   atol=1e-5)
