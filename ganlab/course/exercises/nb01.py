"""Checks for notebook 01 (vanilla GAN)."""
from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from ganlab import losses
from ganlab.course.exercises.feedback import Feedback, as_number, call, correct, wrong

_RNG = np.random.default_rng(1)
_REAL = _RNG.normal(1.0, 2.0, size=(32, 1)).astype(np.float32)
_FAKE = _RNG.normal(-1.0, 2.0, size=(32, 1)).astype(np.float32)


def _close(a, b, tol=1e-4):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=tol, atol=tol)


def check_discriminator_loss(fn) -> Feedback:
    """Mark ``fn(real_logits, fake_logits)``: the discriminator's binary cross-entropy on logits."""
    real, fake = tf.constant(_REAL), tf.constant(_FAKE)
    result = call(fn, real, fake, what="your discriminator loss")
    if isinstance(result, Feedback):
        return result
    expected = float(losses.discriminator_loss(real, fake))
    if result.size != 1:
        return wrong(f"the loss must be one number (the mean over the batch), got an array of shape {result.shape}. "
                     "Average with tf.reduce_mean or keras.ops.mean.")
    value = float(result)
    if _close(value, float(losses.discriminator_loss(fake, real))):
        return wrong("the labels are swapped: real samples should be pushed towards D = 1 (loss -log D(x)) and "
                     "fake ones towards D = 0 (loss -log(1 - D(G(z)))).")
    if _close(value, -expected):
        return wrong("the sign is flipped: that is the value function V, which D maximises; the loss to minimise is -V.")
    if _close(value, expected * 64) or _close(value, expected * 32):
        return wrong("this is a sum over the batch; use the mean so the loss does not grow with the batch size.")
    if not _close(value, expected):
        return wrong(f"on a test batch your loss gives {value:.4f}, the right value is {expected:.4f}. Remember "
                     "-log(sigmoid(l)) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l).")
    zero = call(fn, tf.zeros((4, 1)), tf.zeros((4, 1)), what="your discriminator loss")
    if isinstance(zero, Feedback) or not _close(float(zero), 2 * math.log(2)):
        return wrong("with every logit 0 (D = 1/2 everywhere) the loss must be 2 log 2 = 1.386.")
    # D confidently wrong (real -200, fake +200): the right loss is 400; log(sigmoid(l)) underflows to log(0).
    big = call(fn, tf.fill((4, 1), -200.0), tf.fill((4, 1), 200.0), what="your discriminator loss")
    if isinstance(big, Feedback) or not np.isfinite(big).all():
        return wrong("with very confident logits (+-200) the loss is not finite: log(sigmoid(l)) underflows to "
                     "log(0). Use softplus on the logits instead of taking log of probabilities.")
    return correct(f"your loss matches ({value:.4f}), gives 2 log 2 at D = 1/2 and stays finite for extreme logits.")


def _check_generator_loss(fn, reference, other, other_name: str, name: str) -> Feedback:
    fake = tf.constant(_FAKE)
    result = call(fn, fake, what=f"your {name} loss")
    if isinstance(result, Feedback):
        return result
    if result.size != 1:
        return wrong(f"the loss must be one number (the mean over the batch), got shape {result.shape}.")
    value, expected = float(result), float(reference(fake))
    if _close(value, float(other(fake))):
        return wrong(f"that is the {other_name} loss. Look again at which log the generator's loss takes.")
    if _close(value, -expected):
        return wrong("the sign is flipped: the generator minimises this loss, so it must fall as D(G(z)) rises.")
    if not _close(value, expected):
        return wrong(f"on a test batch your loss gives {value:.4f}, the right value is {expected:.4f}.")
    big = call(fn, tf.fill((4, 1), -200.0), what=f"your {name} loss")
    if isinstance(big, Feedback) or not np.isfinite(big).all():
        return wrong("when D rejects the samples with logit -200 your loss is not finite. Write it with softplus.")
    return correct(f"your {name} loss matches ({value:.4f}) and stays finite when D is very sure.")


def check_non_saturating_loss(fn) -> Feedback:
    """Mark ``fn(fake_logits)``: the non-saturating generator loss -E[log D(G(z))]."""
    return _check_generator_loss(fn, losses.non_saturating_generator_loss, losses.minimax_generator_loss,
                                 "minimax (saturating)", "non-saturating")


def check_optimal_discriminator(fn) -> Feedback:
    """Mark ``fn(p_data, p_g)``: the optimal discriminator D* for two densities given as arrays."""
    p_data = np.array([0.4, 0.1, 0.0, 0.25, 1.0])
    p_g = np.array([0.1, 0.4, 0.3, 0.25, 0.0])
    result = call(fn, p_data, p_g, what="your optimal discriminator")
    if isinstance(result, Feedback):
        return result
    expected = p_data / (p_data + p_g)
    if result.shape != expected.shape:
        return wrong(f"D* must have one value per point, shape {expected.shape}; got shape {result.shape}.")
    if _close(result, p_g / (p_data + p_g)):
        return wrong("this is p_g / (p_data + p_g), the probability of being fake. D outputs the probability of "
                     "being real.")
    with np.errstate(divide="ignore", invalid="ignore"):
        if _close(np.nan_to_num(result, posinf=-1), np.nan_to_num(p_data / p_g, posinf=-1)):
            return wrong("p_data / p_g is a likelihood ratio, not a probability: it can exceed 1. Normalise it.")
    if not _close(result, expected):
        return wrong(f"for p_data = {p_data.tolist()} and p_g = {p_g.tolist()} D* should be "
                     f"{np.round(expected, 3).tolist()}, yours is {np.round(result, 3).tolist()}.")
    if not _close(result[3], 0.5):
        return wrong("where p_data = p_g, D* must be exactly 1/2.")
    return correct("D*(x) = p_data(x) / (p_data(x) + p_g(x)): 1/2 where the densities agree, 1 where only real "
                   "data lives, 0 where only generated samples do.")


def check_equilibrium_value(value) -> Feedback:
    """Mark a number: the value function V(D*, G) when p_g = p_data."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return wrong(f"give a number, got {value!r}.")
    if math.isclose(value, -math.log(4), abs_tol=1e-3):
        return correct("V = log(1/2) + log(1/2) = -log 4 = -1.386: the minimum of the generator's game "
                       "(Goodfellow et al., 2014, Theorem 1).")
    if math.isclose(value, math.log(4), abs_tol=1e-3):
        return wrong("the sign: log(1/2) is negative.")
    if math.isclose(value, -math.log(2), abs_tol=1e-3):
        return wrong("V has two expectations, one over real data and one over generated samples; "
                     "each contributes log(1/2).")
    return wrong(f"{value:.4f} is not it. At the equilibrium D = 1/2 everywhere: put that into "
                 "E[log D(x)] + E[log(1 - D(G(z)))].")


# -- Exercise 5: one training step, written by the learner ------------------------------------------------------
# The check runs the learner's step and a set of reference steps (the right one and the plausible wrong ones) on
# copies of two small networks with the same weights, data and noise, and plain SGD (no optimizer state, so every
# update is learning rate x gradient). Updated weights are compared with a tolerance relative to the size of the
# right update, never bit for bit: another order of summation changes the last bits.

_STEP_LEARNING_RATES = {"generator": 1.0, "discriminator": 0.1}  # G's large, so that D's step sees G's change
_STEP_MATCH = 1e-3  # largest difference, relative to the right update's largest change, that still counts as equal


def reference_train_step(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d,
                         noise_g):
    """One step of Algorithm 1 (Goodfellow et al., 2014) with k = 1 and the non-saturating generator loss.

    1. D: fakes G(noise_d); on one tape, L_D = mean softplus(-D(real)) + mean softplus(D(fake));
       update D's weights only.
    2. G: on a second tape, recorded after D's update, L_G = mean softplus(-D(G(noise_g)));
       update G's weights only.

    Returns (L_D, L_G), each computed in its own update.
    """
    return _step(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g)


def _step(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g,
          mistake: str | None = None):
    """The reference step, or the step with one named ``mistake`` (see ``_STEP_MISTAKES``)."""
    d_variables, g_variables = discriminator.trainable_variables, generator.trainable_variables

    def generator_loss(fake_logits):
        if mistake == "minimax":
            return losses.minimax_generator_loss(fake_logits)
        if mistake == "discriminator_loss_for_generator":
            return losses.discriminator_loss(discriminator(real, training=True), fake_logits)
        return losses.non_saturating_generator_loss(fake_logits)

    def update_discriminator():
        noise = noise_g if mistake == "generator_noise_for_discriminator" else noise_d
        with tf.GradientTape() as tape:
            fake = generator(noise, training=True)
            real_logits, fake_logits = discriminator(real, training=True), discriminator(fake, training=True)
            if mistake == "swapped_labels":
                loss = losses.discriminator_loss(fake_logits, real_logits)
            else:
                loss = losses.discriminator_loss(real_logits, fake_logits)
        if mistake == "generator_changed_by_discriminator_step":
            gradients = tape.gradient(loss, d_variables + g_variables)
            discriminator_optimizer.apply_gradients(zip(gradients[:len(d_variables)], d_variables))
            generator_optimizer.apply_gradients(zip(gradients[len(d_variables):], g_variables))
        elif mistake != "no_discriminator_update":
            discriminator_optimizer.apply_gradients(zip(tape.gradient(loss, d_variables), d_variables))
        return loss

    def generator_gradients(noise):
        with tf.GradientTape() as tape:
            loss = generator_loss(discriminator(generator(noise, training=True), training=True))
        return loss, tape.gradient(loss, g_variables)

    if mistake == "generator_first":
        g_loss, gradients = generator_gradients(noise_g)
        generator_optimizer.apply_gradients(zip(gradients, g_variables))
        return update_discriminator(), g_loss
    if mistake in ("stale_discriminator", "one_forward_pass"):
        # G's gradient taken before D's update (one persistent tape, or both losses from one forward pass)
        g_loss, gradients = generator_gradients(noise_d if mistake == "one_forward_pass" else noise_g)
        d_loss = update_discriminator()
        generator_optimizer.apply_gradients(zip(gradients, g_variables))
        return d_loss, g_loss
    d_loss = update_discriminator()
    g_loss, gradients = generator_gradients(noise_d if mistake == "discriminator_noise_for_generator" else noise_g)
    if mistake != "no_generator_update":
        generator_optimizer.apply_gradients(zip(gradients, g_variables))
    return d_loss, g_loss


# Each plausible mistake and what to tell the learner. Listed in the order they are tried.
_STEP_MISTAKES = {
    "swapped_labels": "the labels are swapped in the discriminator's loss: it is taught to call real samples fake "
                      "and fakes real. Real logits take softplus(-l) (label 1), fake logits softplus(l) (label 0).",
    "no_discriminator_update": "the discriminator's weights did not change. Apply its gradients: "
                               "discriminator_optimizer.apply_gradients(zip(gradients, "
                               "discriminator.trainable_variables)).",
    "no_generator_update": "the generator's weights did not change. Apply its gradients: "
                           "generator_optimizer.apply_gradients(zip(gradients, generator.trainable_variables)).",
    "minimax": "the generator was updated with the minimax loss log(1 - D(G(z))) (the discriminator's loss turned "
               "around). Use the non-saturating loss -log D(G(z)), mean softplus(-fake_logits), which does not "
               "saturate when D rejects the fakes.",
    "discriminator_loss_for_generator": "the generator's update lowers the discriminator's loss, which makes its "
                                        "samples look more fake. The generator lowers the non-saturating loss "
                                        "-log D(G(z)) instead.",
    "generator_changed_by_discriminator_step": "the discriminator's update also changed the generator. In D's "
                                               "step the fakes are fixed inputs: take the gradient of D's loss "
                                               "with respect to discriminator.trainable_variables only.",
    "one_forward_pass": "both losses come from one forward pass on the same fakes (as in TensorFlow's DCGAN "
                        "tutorial), so the generator's gradient used D's weights from before D's update. Here the "
                        "generator is updated after D: record its loss on a second tape, after "
                        "discriminator_optimizer.apply_gradients, on fresh fakes G(noise_g).",
    "stale_discriminator": "the generator's gradient was taken with the discriminator's weights from before D's "
                           "update (one tape recorded both losses, or G's loss was computed before D's step). "
                           "Record the generator's loss on a second tape after "
                           "discriminator_optimizer.apply_gradients.",
    "generator_first": "the generator was updated before the discriminator. Algorithm 1 updates D first, then G "
                       "against the updated D.",
    "discriminator_noise_for_generator": "the generator's update reused noise_d. Make its fakes from noise_g, the "
                                         "fresh noise for G's step.",
    "generator_noise_for_discriminator": "the discriminator's fakes were made from noise_g. Make them from "
                                         "noise_d; noise_g is for the generator's step.",
}


def _step_case():
    """Two small networks' weights, real data and the two noise batches; fixed, the same on every machine."""
    rng = np.random.default_rng(5)
    shapes = {"generator": [(4, 8), (8,), (8, 2), (2,)], "discriminator": [(2, 8), (8,), (8, 1), (1,)]}
    weights = {name: [rng.normal(0.0, 0.5, shape).astype(np.float32) for shape in layer_shapes]
               for name, layer_shapes in shapes.items()}
    real = rng.normal([1.0, -1.0], 0.5, (16, 2)).astype(np.float32)
    noise_d, noise_g = (rng.standard_normal((16, 4)).astype(np.float32) for _ in range(2))
    return weights, real, noise_d, noise_g


def _networks(weights):
    def mlp(name, inputs, width, outputs):
        model = keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(width, activation="tanh"),
                                  keras.layers.Dense(outputs)], name=name)
        model.set_weights(weights[name])
        return model

    generator, discriminator = mlp("generator", 4, 8, 2), mlp("discriminator", 2, 8, 1)
    optimizers = []
    for model in (generator, discriminator):
        optimizer = keras.optimizers.SGD(_STEP_LEARNING_RATES[model.name])
        optimizer.build(model.trainable_variables)
        optimizers.append(optimizer)
    return generator, discriminator, optimizers[0], optimizers[1]


def _flat(model) -> np.ndarray:
    return np.concatenate([np.ravel(w) for w in model.get_weights()]).astype(np.float64)


def _run_step(step, what: str):
    """Run ``step`` on fresh copies; (generator weights, discriminator weights, returned value) or Feedback."""
    weights, real, noise_d, noise_g = _step_case()
    generator, discriminator, generator_optimizer, discriminator_optimizer = _networks(weights)
    if not callable(step):
        return wrong(f"pass the function itself (its name, without brackets), got {step!r}.")
    try:
        result = step(generator, discriminator, generator_optimizer, discriminator_optimizer, tf.constant(real),
                      tf.constant(noise_d), tf.constant(noise_g))
    except NotImplementedError:
        return wrong(f"{what} is not written yet: replace `raise NotImplementedError` with your code.")
    except Exception as error:  # the learner's code failed: say how, with a hint for the usual causes
        message = str(error)
        if "non-persistent GradientTape" in message:
            hint = (" One tape gives gradients only once: use one tf.GradientTape for D's loss and a second one, "
                    "recorded after D's update, for G's loss.")
        elif "No gradients provided" in message:
            hint = (" A gradient was None: compute the loss inside the `with tf.GradientTape() as tape:` block, "
                    "and ask the tape for the gradient with respect to the weights that loss depends on.")
        elif "Unknown variable" in message:
            hint = (" An optimizer got the other network's weights: discriminator_optimizer updates "
                    "discriminator.trainable_variables, generator_optimizer generator.trainable_variables.")
        else:
            hint = " Run it on a small batch and read the traceback."
        return wrong(f"{what} raised {type(error).__name__}: {message.splitlines()[0][:200]}.{hint}")
    return _flat(generator), _flat(discriminator), result


def _same(a: np.ndarray, b: np.ndarray, scale: float) -> bool:
    return a.shape == b.shape and float(np.max(np.abs(a - b))) <= _STEP_MATCH * scale


def check_train_step(step) -> Feedback:
    """Mark ``step(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise_d, noise_g)``.

    The step must update D once on ``real`` and G(noise_d), then G once with the non-saturating
    loss on G(noise_g) against the updated D, and return (d_loss, g_loss). It is run on copies of
    two small networks with fixed weights, data and noise and SGD (learning rates 1 for G, 0.1 for D), and its
    updated weights are compared with those of :func:`reference_train_step` and of the same step
    with each plausible mistake, whose message is returned when it matches.
    """
    weights, _, _, _ = _step_case()
    before_g = np.concatenate([np.ravel(w) for w in weights["generator"]]).astype(np.float64)
    before_d = np.concatenate([np.ravel(w) for w in weights["discriminator"]]).astype(np.float64)
    learner = _run_step(step, "your training step")
    if isinstance(learner, Feedback):
        return learner
    g_after, d_after, result = learner
    right_g, right_d, right_losses = _run_step(reference_train_step, "the reference step")
    scale_g, scale_d = float(np.max(np.abs(right_g - before_g))), float(np.max(np.abs(right_d - before_d)))
    same_g, same_d = _same(g_after, right_g, scale_g), _same(d_after, right_d, scale_d)

    if not (same_g and same_d):
        for mistake, message in _STEP_MISTAKES.items():
            wrong_g, wrong_d, _ = _run_step(
                lambda *args, mistake=mistake: _step(*args, mistake=mistake), "a reference step")
            if _same(g_after, wrong_g, scale_g) and _same(d_after, wrong_d, scale_d):
                return wrong(message)
        if _same(g_after, before_g, scale_g) and _same(d_after, before_d, scale_d):
            return wrong("neither network's weights changed: compute each loss on a tf.GradientTape, take its "
                         "gradient and apply it with that network's optimizer.")
        if not same_d:
            return wrong(f"the discriminator's updated weights differ from the right ones by up to "
                         f"{np.max(np.abs(d_after - right_d)) / scale_d:.2g} times the size of the right update. "
                         "D's step: fakes from noise_d, L_D = mean softplus(-D(real)) + mean softplus(D(fake)), "
                         "gradients with respect to discriminator.trainable_variables, one apply_gradients.")
        return wrong(f"the discriminator's update is right, but the generator's updated weights differ from the "
                     f"right ones by up to {np.max(np.abs(g_after - right_g)) / scale_g:.2g} times the size of the "
                     "right update. G's step, after D's: fakes G(noise_g), L_G = mean softplus(-D(fake)), "
                     "gradients with respect to generator.trainable_variables.")

    if result is None:
        return wrong("both updates are right, but the step returned None: end it with `return d_loss, g_loss`.")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return wrong("both updates are right; now return the two losses as a pair: `return d_loss, g_loss`.")
    returned = [as_number(value, "your training step") for value in result]
    for value in returned:
        if isinstance(value, Feedback):
            return value
        if value.size != 1:
            return wrong(f"both updates are right, but a returned loss has shape {value.shape}: return each "
                         "loss as one number, the mean over the batch.")
    d_loss, g_loss = (float(value) for value in returned)
    right_d_loss, right_g_loss = (float(value) for value in right_losses)
    if _close(d_loss, right_g_loss) and _close(g_loss, right_d_loss):
        return wrong("both updates are right, but the losses come back in the wrong order: return d_loss, g_loss.")
    if not (_close(d_loss, right_d_loss) and _close(g_loss, right_g_loss)):
        return wrong(f"both updates are right, but you return losses {d_loss:.4f} and {g_loss:.4f}; the losses of "
                     f"the two updates are {right_d_loss:.4f} (D) and {right_g_loss:.4f} (G). Return the loss that "
                     "each tape recorded.")
    return correct(f"both networks' updated weights match the reference step (D first, then G against the updated "
                   f"D, non-saturating loss), and so do the losses (D {right_d_loss:.3f}, G {right_g_loss:.3f}).")
