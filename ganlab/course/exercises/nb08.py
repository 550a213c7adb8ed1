"""Checks for notebook 08 (image-to-image translation): PSNR, the PatchGAN's receptive field, and
pix2pix's generator loss, which then trains the notebook's model."""
from __future__ import annotations

import numpy as np

from ganlab.course.exercises.feedback import Feedback, as_number, call, correct, wrong


# -- PSNR -------------------------------------------------------------------------------------------------

def reference_psnr(images, targets, data_range=2.0, rmse=False, decibels=10.0, log=np.log10, whole_batch=False):
    """PSNR per image, 10 log10(R^2 / MSE); the keywords make the usual mistakes."""
    images, targets = np.asarray(images, np.float64), np.asarray(targets, np.float64)
    axes = tuple(range(images.ndim)) if whole_batch else tuple(range(1, images.ndim))
    error = np.mean((images - targets) ** 2, axis=axes)
    if rmse:
        error = np.sqrt(error)
    value = decibels * log(data_range**2 / error)
    return np.broadcast_to(value, (len(images),)) if whole_batch else value


def _psnr_case():
    rng = np.random.default_rng(8)
    targets = rng.uniform(-1, 1, (5, 6, 6, 1))
    noise = rng.normal(0, 1, (5, 1, 1, 1)) * np.array([0.05, 0.1, 0.2, 0.4, 0.8])[:, None, None, None]
    images = np.clip(targets + noise * rng.normal(0, 1, targets.shape), -1, 1)
    return images, targets


def check_psnr(fn) -> Feedback:
    """Mark ``fn(images, targets)`` -> PSNR in dB per image, (n,), for images in [-1, 1] (data range 2)."""
    images, targets = _psnr_case()
    got = call(fn, images.copy(), targets.copy(), what="your psnr")
    if isinstance(got, Feedback):
        return got
    truth = reference_psnr(images, targets)
    if got.shape == ():
        if np.isclose(got, truth.mean(), rtol=1e-4) or np.isclose(got, reference_psnr(images, targets,
                                                                                       whole_batch=True)[0], rtol=1e-4):
            return wrong("you return one number for the whole batch; return one PSNR per image, shape (n,): take "
                         "the mean squared error over each image's pixels only (axes 1, 2, 3).")
        return wrong(f"return one PSNR per image, shape ({len(images)},), not a single number.")
    if got.shape != truth.shape:
        return wrong(f"return one PSNR per image, shape {truth.shape}; yours has shape {got.shape}.")
    if np.allclose(got, truth, rtol=1e-4):
        return correct("PSNR = 10 log10(R^2 / MSE) with R = 2 for images in [-1, 1]: each halving of the RMS error "
                       "adds 6 dB. The notebook's tables call your psnr; ganlab.metrics.psnr computes the same.")
    mistakes = [
        (dict(data_range=1.0), "you used a data range of 1. Images in [-1, 1] span 2, so R^2 = 4: with R = 1 every "
         "value is 10 log10(4) = 6.02 dB too low."),
        (dict(rmse=True), "you divided by the root mean squared error; PSNR = 10 log10(R^2 / MSE) uses the mean "
         "squared error itself (or, equivalently, 20 log10(R / RMSE))."),
        (dict(decibels=20.0), "you wrote 20 log10(R^2 / MSE): the factor 20 goes with amplitudes (R / RMSE), the factor "
         "10 with powers (R^2 / MSE)."),
        (dict(log=np.log), "you took the natural logarithm; decibels use log10."),
        (dict(whole_batch=True), "every image gets the batch's PSNR: take the mean squared error over each image's "
         "pixels only (axes 1, 2, 3), not over the whole batch."),
    ]
    for keywords, message in mistakes:
        if np.allclose(got, reference_psnr(images, targets, **keywords), rtol=1e-4):
            return wrong(message)
    if np.allclose(got, reference_psnr(images, targets, data_range=1.0, rmse=True), rtol=1e-4):
        return wrong("two slips: the data range of [-1, 1] is 2 (not 1), and PSNR divides by the MSE (not its root).")
    return wrong(f"on the test images PSNR is {np.round(truth, 2).tolist()} dB; yours gives "
                 f"{np.round(got, 2).tolist()}. PSNR = 10 log10(R^2 / MSE), R = 2, MSE over each image's pixels.")


# -- the PatchGAN's receptive field ----------------------------------------------------------------------

def reference_receptive_field(kernel_sizes, strides, jump_first=False, full_kernel=False, no_jump=False):
    """Side of the input patch that one output of a stack of convolutions sees; keywords make the usual mistakes."""
    field, jump = 1, 1
    for kernel, stride in zip(kernel_sizes, strides):
        if jump_first:
            jump *= stride
        field += (kernel if full_kernel else kernel - 1) * (1 if no_jump else jump)
        if not jump_first:
            jump *= stride
    return field


RECEPTIVE_CASES = [
    ((4, 4, 3), (2, 2, 1)),  # ganlab's PatchGAN for 28x28: 18
    ((4, 4, 4, 4, 4), (2, 2, 2, 1, 1)),  # pix2pix's 70x70 PatchGAN
    ((3, 3, 3), (1, 1, 1)),  # three 3x3 convolutions: 7
    ((5, 3), (3, 2)),
]


def check_receptive_field(fn) -> Feedback:
    """Mark ``fn(kernel_sizes, strides)`` -> the receptive field (pixels on a side) of one output unit."""
    for kernels, strides in RECEPTIVE_CASES:
        got = call(fn, list(kernels), list(strides), what="your receptive_field")
        if isinstance(got, Feedback):
            return got
        if got.shape != ():
            return wrong(f"return one number (the side of the square patch), got an array of shape {got.shape}.")
        truth = reference_receptive_field(kernels, strides)
        if np.isclose(got, truth):
            continue
        mistakes = [
            (dict(jump_first=True), "you multiply the jump by a layer's own stride before adding its kernel. A layer's "
             "kernel spans (k - 1) steps of the *previous* layers' spacing; its own stride only spreads the layers "
             "after it."),
            (dict(full_kernel=True), "a k-wide kernel adds k - 1 pixels to the field, not k (one 3x3 convolution sees a "
             "3x3 patch: 1 + 2)."),
            (dict(no_jump=True), "you add k - 1 for every layer regardless of the strides before it. After a stride-2 "
             "layer, neighbouring units are 2 input pixels apart, so each later kernel step covers 2 pixels (the "
             "product of the strides so far)."),
        ]
        for keywords, message in mistakes:
            if np.isclose(got, reference_receptive_field(kernels, strides, **keywords)):
                return wrong(message)
        return wrong(f"kernels {kernels} with strides {strides} see a {truth}x{truth} patch; yours gives {got}. Start "
                     "from 1 and add (k - 1) x (product of the strides of the layers before) for each layer.")
    return correct("pix2pix's PatchGAN sees 70x70 patches of a 256x256 image; ganlab's sees 18x18 patches of a 28x28 "
                   "digit, about the same share of the image. Each of its 7x7 logits judges one such patch.")


# -- pix2pix's generator loss ------------------------------------------------------------------------------

def _softplus(x):
    return np.logaddexp(0.0, x)


def reference_generator_loss(fake_logits, generated, target, l1_weight, l2=False, weight_on_gan=False,
                             minimax=False, swapped=False, sum_l1=False, per_image=False, no_l1=False, no_gan=False):
    """L_G = mean softplus(-l) + lambda mean |y - G(c)|; the keywords make the usual mistakes."""
    fake_logits, generated, target = (np.asarray(a, np.float64) for a in (fake_logits, generated, target))
    if minimax:
        gan = -_softplus(fake_logits)
    elif swapped:
        gan = _softplus(fake_logits)
    else:
        gan = _softplus(-fake_logits)
    difference = (target - generated) ** 2 if l2 else np.abs(target - generated)
    if per_image:
        gan, distance = gan.mean(axis=(1, 2, 3)), difference.mean(axis=(1, 2, 3))
    else:
        gan, distance = gan.mean(), (difference.sum() if sum_l1 else difference.mean())
    if no_l1:
        return gan
    if no_gan:
        return l1_weight * distance
    if weight_on_gan:
        return l1_weight * gan + distance
    return gan + l1_weight * distance


def _loss_case(seed=3):
    rng = np.random.default_rng(seed)
    fake_logits = rng.normal(0.3, 1.5, (4, 7, 7, 1)).astype(np.float32)
    generated = np.tanh(rng.normal(0, 1, (4, 28, 28, 1))).astype(np.float32)
    target = np.tanh(rng.normal(0, 1, (4, 28, 28, 1))).astype(np.float32)
    return fake_logits, generated, target


def _learner_loss(fn, fake_logits, generated, target, l1_weight):
    """Run ``fn`` on TensorFlow tensors inside a ``tf.function``, as ``Pix2Pix.train_step`` will."""
    import tensorflow as tf

    if not callable(fn):
        return wrong(f"pass the function itself (its name, without brackets), got {fn!r}.")
    traced = tf.function(lambda a, b, c: fn(a, b, c, l1_weight))
    try:
        result = traced(tf.constant(fake_logits), tf.constant(generated), tf.constant(target))
    except NotImplementedError:
        return wrong("your generator loss is not written yet: replace `raise NotImplementedError` with your code.")
    except Exception as error:  # the learner's code failed: say how, not a traceback
        return wrong(f"your generator loss raised {type(error).__name__}: {str(error)[:300]}. It runs inside a "
                     "tf.function on tensors: use keras.ops (or tf) functions, not NumPy or .numpy().")
    if result is None:
        return wrong("your generator loss returned None: did you forget `return`?")
    return as_number(result, "your generator loss")


def check_generator_loss(fn) -> Feedback:
    """Mark ``fn(fake_logits, generated, target, l1_weight)`` -> pix2pix's L_G, a scalar (see ``ganlab.training.pix2pix``)."""
    fake_logits, generated, target = _loss_case()
    l1_weight = 10.0
    got = _learner_loss(fn, fake_logits, generated, target, l1_weight)
    if isinstance(got, Feedback):
        return got
    truth = reference_generator_loss(fake_logits, generated, target, l1_weight)
    if got.shape != ():
        if got.shape == (len(target),) and np.allclose(got, reference_generator_loss(
                fake_logits, generated, target, l1_weight, per_image=True), rtol=1e-4):
            return wrong("you return one loss per image; return their mean over the batch, a single number (take "
                         "ops.mean over every axis).")
        return wrong(f"return one number, the loss averaged over the batch; yours has shape {got.shape}. Take the mean "
                     "over every axis: patches, pixels and images.")
    if not np.isclose(got, truth, rtol=1e-4):
        mistakes = [
            (dict(l2=True), "you used the squared error (L2). pix2pix uses the absolute error |y - G(c)| (L1), which "
             "Isola et al. found blurs less than L2: the median of the plausible answers, not their mean."),
            (dict(weight_on_gan=True), "lambda multiplies the adversarial term; it belongs to the L1 term: "
             "L_G = GAN term + lambda * L1."),
            (dict(minimax=True), "you used the saturating (minimax) loss log(1 - D). Use the non-saturating one, "
             "-log D(G(c)) = softplus(-logit), averaged over the patches (notebook 01)."),
            (dict(swapped=True), "your adversarial term is softplus(+logit) = -log(1 - D), what D minimises for fakes: "
             "that term pushes G's images towards 'fake'. G wants D to call them real: softplus(-logit)."),
            (dict(sum_l1=True), "you summed the absolute errors; take their mean over pixels and images, so that lambda "
             "does not depend on the image size or batch."),
            (dict(no_l1=True), "your loss has only the adversarial term; add lambda * mean |target - generated|."),
            (dict(no_gan=True), "your loss has only the L1 term; add the adversarial term mean softplus(-fake_logits)."),
        ]
        for keywords, message in mistakes:
            if np.isclose(got, reference_generator_loss(fake_logits, generated, target, l1_weight, **keywords),
                          rtol=1e-4):
                return wrong(message)
        for fixed in (100.0, 1.0):
            if np.isclose(got, reference_generator_loss(fake_logits, generated, target, fixed), rtol=1e-4):
                return wrong(f"your loss weighs L1 by {fixed:g} whatever l1_weight is: use the l1_weight argument "
                             "rather than a fixed number (the check passes l1_weight = 10).")
        if np.isclose(got, reference_generator_loss(fake_logits, generated, target, l1_weight, l2=True,
                                                    weight_on_gan=True), rtol=1e-4):
            return wrong("two slips: the distance should be L1 (absolute error), and lambda should weigh it, not the "
                         "adversarial term.")
        return wrong(f"on the test case L_G is {truth:.4f} (adversarial {reference_generator_loss(fake_logits, generated, target, 0.0):.4f}"
                     f" + {l1_weight:g} x L1); yours gives {float(got):.4f}. L_G = mean softplus(-fake_logits) + "
                     "l1_weight * mean |target - generated|.")
    # A second case with lambda = 0 catches a hard-coded lambda.
    fake_logits, generated, target = _loss_case(seed=4)
    got = _learner_loss(fn, fake_logits, generated, target, 0.0)
    if isinstance(got, Feedback):
        return got
    if not np.isclose(got, reference_generator_loss(fake_logits, generated, target, 0.0), rtol=1e-4):
        return wrong("with l1_weight = 0 your loss should be the adversarial term alone: use the l1_weight argument "
                     "rather than a fixed number.")
    return correct("the adversarial term makes each patch look real to D, the L1 term keeps the image close to its "
                   "target. The next cells train pix2pix with your loss.")
