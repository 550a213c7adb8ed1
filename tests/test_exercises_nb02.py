"""ganlab.course.exercises.nb02: every check passes the right answer and explains each plausible wrong one."""
import keras
import numpy as np
import pytest
from keras import layers

from feedback_helpers import fails, not_written, passes
from ganlab.course.exercises import nb02




# -- the output size of a transposed convolution ----------------------------------------------------------

def right_size(size, kernel, stride, padding):
    return size * stride if padding == "same" else (size - 1) * stride + kernel


@pytest.mark.parametrize("answer", [
    right_size,
    lambda n, k, s, p: float(right_size(n, k, s, p)),                 # a whole float is fine
    lambda n, k, s, p: np.int64(right_size(n, k, s, p)),
    lambda n, k, s, p: n * s + max(k - s, 0) if p == "valid" else n * s,  # Keras' own formula
], ids=["formula", "float", "numpy-int", "keras-formula"])
def test_transposed_output_size_right_answers(answer):
    passes(nb02.check_transposed_output_size(answer))


@pytest.mark.parametrize("answer, phrase", [
    (lambda n, k, s, p: (n - 1) * s + k, "that is the 'valid' rule; 'same' padding crops the output"),
    (lambda n, k, s, p: n * s if p == "same" else (n - 1) * s + 1, "add kernel - 1, not 1"),
    (lambda n, k, s, p: n * s, "that is the 'same' rule; with 'valid' padding"),
    (lambda n, k, s, p: n + k, "think of size * stride"),
    (lambda n, k, s, p: n * s / 3, "return a whole number of pixels"),
    (lambda n, k, s, p: str(n * s), "return a whole number of pixels"),
    (not_written, "not written yet"),
    (lambda n, k, s, p: n * s if p == "same" else 1 / 0, "padding='valid' it raised ZeroDivisionError"),
    (right_size(7, 4, 2, "same"), "pass your function itself"),
], ids=["valid-rule-for-same", "plus-one", "same-rule-for-valid", "other", "fraction", "string", "not-implemented",
        "crash", "not-callable"])
def test_transposed_output_size_wrong_answers(answer, phrase):
    fails(nb02.check_transposed_output_size(answer), phrase)


def test_transposed_output_size_message_names_the_case():
    feedback = nb02.check_transposed_output_size(lambda n, k, s, p: (n - 1) * s + k)
    assert "size=7, kernel=4, stride=2, padding='same' the output is 14 pixels, yours gives 16" in feedback.message


# -- a generator block --------------------------------------------------------------------------------------

def right_block(x, channels):
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def activation_relu_block(x, channels):
    x = layers.Conv2DTranspose(channels, 5, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def upsampling_block(x, channels):
    x = layers.UpSampling2D()(x)
    x = layers.Conv2D(channels, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def leaky_block(x, channels):
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.LeakyReLU(0.2)(x)


def bn_first_block(x, channels):
    x = layers.BatchNormalization()(x)
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same")(x)
    return layers.ReLU()(x)


def no_bn_block(x, channels):
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same")(x)
    return layers.ReLU()(x)


def stride_one_block(x, channels):
    x = layers.Conv2DTranspose(channels, 4, strides=1, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def valid_padding_block(x, channels):
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="valid")(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def no_activation_block(x, channels):
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same")(x)
    return layers.BatchNormalization()(x)


def dense_block(x, channels):
    return layers.ReLU()(layers.BatchNormalization()(layers.Dense(channels)(x)))


def forgot_return(x, channels):
    right_block(x, channels)


def wrong_call(x, channels):
    return layers.Conv2DTranspose(channels, 4, strides=2)(x, channels)


@pytest.mark.parametrize("answer", [right_block, activation_relu_block], ids=["relu-layer", "activation-relu"])
def test_generator_block_right_answers(answer):
    feedback = nb02.check_generator_block(answer)
    passes(feedback)
    assert "(7, 7, 64) to (14, 14, 32)" in feedback.message


@pytest.mark.parametrize("answer, phrase", [
    (upsampling_block, "use a stride-2 Conv2DTranspose instead of pooling or UpSampling2D"),
    (leaky_block, "LeakyReLU is the discriminator's activation"),
    (bn_first_block, "Conv2DTranspose first, then BatchNormalization"),
    (no_bn_block, "add BatchNormalization after the transposed convolution"),
    (stride_one_block, "must give (14, 14, 32), yours gives (7, 7, 32). Use strides=2"),
    (valid_padding_block, "yours gives (16, 16, 32)"),
    (no_activation_block, "end the block with a ReLU activation"),
    (dense_block, "the block needs a Conv2DTranspose"),
    (forgot_return, "your block returned None"),
    (not_written, "the block is not written yet"),
    (wrong_call, "calling your block on a (7, 7, 64) input raised"),
    (right_block(keras.Input((7, 7, 64)), 32), "pass your function itself"),
], ids=["upsampling", "leaky-relu", "bn-first", "no-bn", "stride-1", "valid-padding", "no-activation", "dense",
        "none", "not-implemented", "crash", "not-callable"])
def test_generator_block_wrong_answers(answer, phrase):
    fails(nb02.check_generator_block(answer), phrase)


# -- reading a comparison ------------------------------------------------------------------------------------

RESULTS = {"width-16": 42.5, "width-32": 18.25, "width-64": 27.0}


def test_best_run_right_answer():
    feedback = nb02.check_best_run("width-32", RESULTS)
    passes(feedback)
    assert "18.2" in feedback.message and "lower" in feedback.message


@pytest.mark.parametrize("answer, results, phrase", [
    ("width-16", RESULTS, "that run has the highest distance: for a Fréchet distance lower is better"),
    ("width-64", RESULTS, "'width-64' ended at 27.0; another run ended lower"),
    ("width-128", RESULTS, "answer with one of ['width-16', 'width-32', 'width-64'], got 'width-128'"),
    ("width-32", {}, "results is empty: run the comparison cell first"),
], ids=["worst", "middle", "unknown", "empty"])
def test_best_run_wrong_answers(answer, results, phrase):
    fails(nb02.check_best_run(answer, results), phrase)


def test_block_with_relu_before_batch_norm_is_rejected():
    from keras import layers

    def relu_first(x, channels):
        x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", use_bias=False)(x)
        x = layers.ReLU()(x)
        return layers.BatchNormalization()(x)

    feedback = nb02.check_generator_block(relu_first)
    assert not feedback.passed and "activation comes last" in feedback.message
