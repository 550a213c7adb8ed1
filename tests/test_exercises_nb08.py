"""ganlab.course.exercises.nb08: every check passes the right answers and explains each plausible wrong one."""
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from feedback_helpers import fails, not_written, passes
from ganlab import metrics
from ganlab.course.exercises import nb08
from ganlab.losses import pix2pix_generator_loss


# -- PSNR -------------------------------------------------------------------------------------------------------

def psnr(images, targets, data_range=2.0, rmse=False, factor=10.0, log=np.log10, axes=(1, 2, 3)):
    """A learner's answer; the keywords make one mistake each."""
    error = np.mean((np.asarray(images) - np.asarray(targets)) ** 2, axis=axes)
    if rmse:
        error = np.sqrt(error)
    return factor * log(data_range**2 / error)


def test_psnr_right_answers():
    passes(nb08.check_psnr(psnr))
    passes(nb08.check_psnr(lambda a, b: 20 * np.log10(2.0 / np.sqrt(np.mean((a - b) ** 2, axis=(1, 2, 3))))))
    # ganlab's own, through tf.image.psnr, on the check's images (inside [-1, 1]).
    passes(nb08.check_psnr(lambda a, b: metrics.psnr(a, b)))


@pytest.mark.parametrize("mistake, phrase", [
    (dict(data_range=1.0), "data range of 1"),
    (dict(rmse=True), "root mean squared error"),
    (dict(factor=20.0), "factor 20"),
    (dict(log=np.log), "natural logarithm"),
    (dict(axes=None), "one number for the whole batch"),
], ids=["range", "rmse", "twenty", "ln", "whole-batch"])
def test_psnr_mistakes_are_named(mistake, phrase):
    fails(nb08.check_psnr(lambda a, b: psnr(a, b, **mistake)), phrase)


def test_psnr_other_failures():
    fails(nb08.check_psnr(not_written), "not written yet")
    fails(nb08.check_psnr(lambda a, b: psnr(a, b, data_range=1.0, rmse=True)), "two slips")
    fails(nb08.check_psnr(lambda a, b: psnr(a, b) + 1.0), "PSNR = 10 log10")
    fails(nb08.check_psnr(lambda a, b: np.stack([psnr(a, b)] * 2)), "shape")


# -- receptive field --------------------------------------------------------------------------------------------

def receptive_field(kernels, strides):
    field, jump = 1, 1
    for kernel, stride in zip(kernels, strides):
        field += (kernel - 1) * jump
        jump *= stride
    return field


def test_receptive_field_right_answer_and_known_values():
    passes(nb08.check_receptive_field(receptive_field))
    assert receptive_field((4, 4, 4, 4, 4), (2, 2, 2, 1, 1)) == 70  # pix2pix's 70x70 PatchGAN
    assert receptive_field((4, 4, 3), (2, 2, 1)) == 18  # ganlab's 28x28 PatchGAN


@pytest.mark.parametrize("mistake, phrase", [
    (dict(jump_first=True), "own stride"),
    (dict(full_kernel=True), "not k"),
    (dict(no_jump=True), "regardless of the strides"),
], ids=["jump-first", "full-kernel", "no-jump"])
def test_receptive_field_mistakes_are_named(mistake, phrase):
    fails(nb08.check_receptive_field(lambda k, s: nb08.reference_receptive_field(k, s, **mistake)), phrase)


def test_receptive_field_other_failures():
    fails(nb08.check_receptive_field(not_written), "not written yet")
    fails(nb08.check_receptive_field(lambda k, s: sum(k)), "patch")
    fails(nb08.check_receptive_field(lambda k, s: [receptive_field(k, s)] * 2), "one number")


# -- pix2pix's generator loss ---------------------------------------------------------------------------------------

def loss(fake_logits, generated, target, l1_weight, square=False, weight_on_gan=False, minimax=False,
         swapped=False, total=False, axis=None, fixed=None):
    """A learner's answer in keras.ops; the keywords make one mistake each."""
    if minimax:
        adversarial = -ops.mean(ops.softplus(fake_logits), axis=axis)
    elif swapped:
        adversarial = ops.mean(ops.softplus(fake_logits), axis=axis)
    else:
        adversarial = ops.mean(ops.softplus(-fake_logits), axis=axis)
    difference = ops.square(target - generated) if square else ops.abs(target - generated)
    distance = ops.sum(difference) if total else ops.mean(difference, axis=axis)
    weight = l1_weight if fixed is None else fixed
    return weight * adversarial + distance if weight_on_gan else adversarial + weight * distance


def test_generator_loss_right_answers():
    passes(nb08.check_generator_loss(loss))
    passes(nb08.check_generator_loss(pix2pix_generator_loss))

    def with_tf(fake_logits, generated, target, l1_weight):
        bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
        return bce(tf.ones_like(fake_logits), fake_logits) + l1_weight * tf.reduce_mean(tf.abs(target - generated))

    passes(nb08.check_generator_loss(with_tf))


@pytest.mark.parametrize("mistake, phrase", [
    (dict(square=True), "squared error (L2)"),
    (dict(weight_on_gan=True), "lambda multiplies the adversarial term"),
    (dict(minimax=True), "saturating (minimax)"),
    (dict(swapped=True), "softplus(+logit)"),
    (dict(total=True), "summed the absolute errors"),
    (dict(axis=(1, 2, 3)), "one loss per image"),
    (dict(fixed=100.0), "l1_weight argument"),
], ids=["l2", "lambda-on-gan", "minimax", "swapped", "sum", "per-image", "fixed-lambda"])
def test_generator_loss_mistakes_are_named(mistake, phrase):
    fails(nb08.check_generator_loss(lambda *args: loss(*args, **mistake)), phrase)


def test_generator_loss_other_failures():
    fails(nb08.check_generator_loss(not_written), "not written yet")
    fails(nb08.check_generator_loss(lambda l, g, t, w: loss(l, g, t, 0.0)), "only the adversarial term")
    fails(nb08.check_generator_loss(lambda l, g, t, w: w * ops.mean(ops.abs(t - g))), "only the L1 term")
    fails(nb08.check_generator_loss(lambda l, g, t, w: loss(l, g, t, w, square=True, weight_on_gan=True)), "two slips")
    fails(nb08.check_generator_loss(lambda l, g, t, w: float(np.mean(l.numpy()))), "tf.function")
    fails(nb08.check_generator_loss(lambda l, g, t, w: loss(l, g, t, w) * 1.5), "L_G = mean softplus")
