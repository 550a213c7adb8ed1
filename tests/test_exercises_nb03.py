"""ganlab.course.exercises.nb03: every check passes the right answer and explains each plausible wrong one."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from feedback_helpers import fails, not_written, passes
from ganlab import losses
from ganlab.course.exercises import nb03


# -- the Wasserstein-1 distance of two 1-D samples ---------------------------------------------------------

@pytest.mark.parametrize("answer", [
    lambda a, b: np.mean(np.abs(np.sort(a) - np.sort(b))),
    lambda a, b: stats.wasserstein_distance(a, b),
    lambda a, b: tf.reduce_mean(tf.abs(tf.sort(tf.constant(a)) - tf.sort(tf.constant(b)))),
], ids=["sorted", "scipy", "tensorflow"])
def test_wasserstein_right_answers(answer):
    passes(nb03.check_wasserstein_1d(answer))


@pytest.mark.parametrize("answer, phrase", [
    (lambda a, b: np.mean(np.abs(a - b)), "sort both samples first"),
    (lambda a, b: abs(np.mean(a) - np.mean(b)), "the distance between the means only"),
    (lambda a, b: np.mean((np.sort(a) - np.sort(b)) ** 2), "not their squares"),
    (lambda a, b: np.sqrt(np.mean((np.sort(a) - np.sort(b)) ** 2)), "sort both samples, then take the mean"),
    (lambda a, b: np.abs(np.sort(a) - np.sort(b)), "return one number"),
    (lambda a, b: None, "forget `return`"),
    (not_written, "not written yet"),
    (lambda a, b: "2.0", "must return a number"),
], ids=["unsorted", "means", "squared", "w2", "array", "none", "not-implemented", "string"])
def test_wasserstein_wrong_answers(answer, phrase):
    fails(nb03.check_wasserstein_1d(answer), phrase)


# -- the gradient penalty -----------------------------------------------------------------------------------

def penalty(critic, real, fake, alpha_fn=None, axes=None, weight=10.0, square_root=True, two_sided=True, at=None):
    """The gradient penalty, with switches for the mistakes the check must catch."""
    real = tf.convert_to_tensor(real)
    fake = tf.convert_to_tensor(fake)
    n = real.shape[0]
    alpha = alpha_fn(n) if alpha_fn else tf.random.uniform((n, 1, 1, 1))
    mixed = {"real": real, "fake": fake}.get(at, alpha * real + (1 - alpha) * fake)
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        scores = critic(mixed, training=True)
    gradients = tape.gradient(scores, mixed)
    squared = tf.reduce_sum(tf.square(gradients), axis=axes or [1, 2, 3])
    norm = tf.sqrt(squared) if square_root else squared
    gap = norm - 1 if two_sided else tf.maximum(norm - 1, 0.0)
    return weight * tf.reduce_mean(tf.square(gap))


def ganlab_penalty(critic, real, fake):
    return losses.gradient_penalty(critic, real, fake, weight=10.0)


@pytest.mark.parametrize("answer", [
    penalty,
    ganlab_penalty,
    lambda c, r, f: penalty(c, r, f, alpha_fn=lambda n: 1 - tf.random.uniform((n, 1, 1, 1))),
], ids=["tape", "ganlab", "alpha-from-the-other-end"])
def test_gradient_penalty_right_answers(answer):
    passes(nb03.check_gradient_penalty(answer))


@pytest.mark.parametrize("answer, phrase", [
    # the mistake this exercise exists for: the interpolation weight drawn from a normal distribution
    (lambda c, r, f: penalty(c, r, f, alpha_fn=lambda n: tf.random.normal((n, 1, 1, 1))), "normally distributed"),
    (lambda c, r, f: penalty(c, r, f, alpha_fn=lambda n: tf.random.uniform((1, 1, 1, 1))), "one alpha per sample"),
    (lambda c, r, f: penalty(c, r, f, alpha_fn=lambda n: tf.fill((n, 1, 1, 1), 0.5)), "alpha seems fixed"),
    (lambda c, r, f: penalty(c, r, f, axes=[3]), "over all its axes"),
    (lambda c, r, f: penalty(c, r, f, axes=[1]), "over all its axes"),
    (lambda c, r, f: penalty(c, r, f, weight=1.0), "multiply by lambda = 10"),
    (lambda c, r, f: penalty(c, r, f, square_root=False), "take the square root"),
    (lambda c, r, f: penalty(c, r, f, two_sided=False), "two-sided"),
    (lambda c, r, f: penalty(c, r, f, at="real"), "taken at the interpolates"),
    (lambda c, r, f: penalty(c, r, f, at="fake"), "taken at the interpolates"),
    (lambda c, r, f: tf.zeros((3,)), "return one number"),
    (not_written, "not written yet"),
], ids=["normal-alpha", "one-alpha-per-batch", "fixed-alpha", "norm-over-channels", "norm-over-rows",
        "no-lambda", "squared-norm", "one-sided", "at-real", "at-fake", "array", "not-implemented"])
def test_gradient_penalty_wrong_answers(answer, phrase):
    fails(nb03.check_gradient_penalty(answer), phrase)


def numpy_penalty(critic, real, fake):
    alpha = np.random.default_rng(0).uniform(0, 1, (real.shape[0], 1, 1, 1)).astype(np.float32)
    x_hat = tf.constant(alpha * np.asarray(real) + (1 - alpha) * np.asarray(fake))
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    norms = np.linalg.norm(tape.gradient(scores, x_hat).numpy().reshape(len(alpha), -1), axis=1)
    return 10.0 * np.mean((norms - 1.0) ** 2)


def test_a_penalty_that_works_only_eagerly_is_sent_back():
    fails(nb03.check_gradient_penalty(numpy_penalty), "inside a traced training step")


def tiny_wgan(penalty):
    from ganlab import models

    generator = models.mlp_generator(latent_dim=4, output_shape=(28, 28, 1), hidden_units=(16,))
    critic = models.mlp_discriminator(input_shape=(28, 28, 1), hidden_units=(16,), dropout=0)
    wgan = nb03.wgan_with_penalty(penalty, generator, critic, critic_steps=2)
    wgan.compile()
    return wgan


def test_the_wgan_trains_its_critic_with_the_learners_penalty():
    from ganlab import data

    images = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype(np.float32)
    dataset = data.array_dataset(images, batch_size=16, seed=0)
    constant = tiny_wgan(lambda critic, real, fake: tf.constant(3.0))
    logs = constant.fit(dataset, epochs=1, verbose=0).history
    assert logs["gradient_penalty"][-1] == pytest.approx(3.0)
    logs = tiny_wgan(penalty).fit(dataset, epochs=1, verbose=0).history
    assert np.isfinite(logs["critic_loss"][-1]) and logs["gradient_penalty"][-1] > 0
    with pytest.raises(TypeError, match="penalty must be a function"):
        nb03.wgan_with_penalty(None, None, None)


# -- weight clipping ------------------------------------------------------------------------------------------

def right_clip(model, c):
    for variable in model.trainable_variables:
        variable.assign(keras.ops.clip(variable, -c, c))


def clip_all_weights(model, c):
    for variable in model.weights:
        variable.assign(keras.ops.clip(variable, -c, c))


def clip_kernels_only(model, c):
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            layer.kernel.assign(keras.ops.clip(layer.kernel, -c, c))


def rescale(model, c):
    for variable in model.trainable_variables:
        v = variable.numpy()
        variable.assign(v * c / max(np.abs(v).max(), c))


def zero_outside(model, c):
    for variable in model.trainable_variables:
        v = variable.numpy()
        variable.assign(np.where(np.abs(v) > c, 0.0, v))


def absolute(model, c):
    for variable in model.trainable_variables:
        variable.assign(np.clip(np.abs(variable.numpy()), -c, c))


def forgot_assign(model, c):
    return [keras.ops.clip(variable, -c, c) for variable in model.trainable_variables]


@pytest.mark.parametrize("answer", [right_clip, losses.clip_weights], ids=["loop", "ganlab"])
def test_clip_right_answers(answer):
    passes(nb03.check_clip_weights(answer))


@pytest.mark.parametrize("answer, phrase", [
    (forgot_assign, "computing them is not enough"),
    (rescale, "do not rescale"),
    (zero_outside, "not 0"),
    (absolute, "the signs changed"),
    (clip_kernels_only, "biases and normalisation parameters included"),
    (clip_all_weights, "model.trainable_variables, not model.weights"),
    (not_written, "not written yet"),
    (lambda model, c: model.undefined, "raised AttributeError"),
], ids=["no-assign", "rescale", "zero", "abs", "kernels-only", "moving-statistics", "not-implemented", "crash"])
def test_clip_wrong_answers(answer, phrase):
    fails(nb03.check_clip_weights(answer), phrase)
