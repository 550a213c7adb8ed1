"""GAN losses, as plain functions of discriminator logits.

Notation: l_r = D's logit on real data, l_f = its logit on generated data,
D(x) = sigmoid(l) the probability that x is real, and softplus(t) = log(1 + e^t).
Then -log D(x) = softplus(-l) and -log(1 - D(x)) = softplus(l), which stay
finite even when D saturates at 0 or 1, where log(sigmoid(l)) would give -inf.
Every function returns the mean over the batch, a scalar.
"""
from __future__ import annotations

import tensorflow as tf
from keras import ops


def _logits(name: str, value):
    """Check, at trace time, that ``value`` looks like D's logits: floats of shape (batch,) or (batch, 1)."""
    value = ops.convert_to_tensor(value)
    if "float" not in str(value.dtype):
        raise TypeError(f"{name} must be float logits, got dtype {value.dtype}. Pass D's raw outputs (no sigmoid), "
                        "for example discriminator(x) from ganlab.models.")
    shape = tuple(value.shape)
    if len(shape) == 0 or len(shape) > 2 or (len(shape) == 2 and shape[1] not in (1, None)):
        raise ValueError(f"{name} must have shape (batch, 1) or (batch,), one logit per sample, got {shape}. "
                         "Did you pass images instead of the discriminator's outputs?")
    return value


def value_function(real_logits, fake_logits):
    """The minimax value V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))].

    D maximises V, G minimises it (Goodfellow et al., 2014, eq. 1). At the
    equilibrium D = 1/2 everywhere and V = -log 4.
    """
    real_logits, fake_logits = _logits("real_logits", real_logits), _logits("fake_logits", fake_logits)
    return -ops.mean(ops.softplus(-real_logits)) - ops.mean(ops.softplus(fake_logits))


def discriminator_loss(real_logits, fake_logits):
    """Binary cross-entropy for D, real labelled 1 and fake 0: -V(D, G).

    L_D = -E_x[log D(x)] - E_z[log(1 - D(G(z)))]
        = mean(softplus(-l_r)) + mean(softplus(l_f)).
    Minimising it is maximising the value function.
    """
    real_logits, fake_logits = _logits("real_logits", real_logits), _logits("fake_logits", fake_logits)
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def minimax_generator_loss(fake_logits):
    """The saturating generator loss, G's side of the minimax game.

    L_G = E_z[log(1 - D(G(z)))] = -mean(softplus(l_f)).
    Its gradient with respect to l_f is -D(G(z)), which vanishes when D confidently
    rejects the samples (D(G(z)) near 0), exactly when G most needs to learn.
    """
    return -ops.mean(ops.softplus(_logits("fake_logits", fake_logits)))


def non_saturating_generator_loss(fake_logits):
    """The non-saturating generator loss (Goodfellow et al., 2014, section 3).

    L_G = -E_z[log D(G(z))] = mean(softplus(-l_f)).
    Same fixed point as the minimax loss, but its gradient with respect to l_f is
    -(1 - D(G(z))), close to -1 when D rejects the samples: strong early gradients.
    """
    return ops.mean(ops.softplus(-_logits("fake_logits", fake_logits)))


GENERATOR_LOSSES = {
    "non_saturating": non_saturating_generator_loss,
    "minimax": minimax_generator_loss,
}


# -- Wasserstein GAN (notebook 03) -------------------------------------------------------------------------
# Here the critic's outputs are scores f(x), not logits: no sigmoid, any real value.


def wasserstein_critic_loss(real_scores, fake_scores):
    """The critic's loss: L_C = E_z[f(G(z))] - E_x[f(x)] (Arjovsky et al., 2017).

    Minimising it maximises E_x[f(x)] - E_z[f(G(z))], which for a 1-Lipschitz f
    estimates the Wasserstein-1 distance between p_data and p_g.
    """
    real_scores, fake_scores = _logits("real_scores", real_scores), _logits("fake_scores", fake_scores)
    return ops.mean(fake_scores) - ops.mean(real_scores)


def wasserstein_generator_loss(fake_scores):
    """The generator's loss: L_G = -E_z[f(G(z))]; G moves its samples up the critic's slope."""
    return -ops.mean(_logits("fake_scores", fake_scores))


def interpolates(real, fake, alpha):
    """x_hat = alpha * real + (1 - alpha) * fake, with one alpha per sample (shape (batch,))."""
    alpha = ops.reshape(ops.cast(alpha, real.dtype), (-1,) + (1,) * (len(real.shape) - 1))
    return alpha * real + (1.0 - alpha) * fake


def gradient_penalty_from_gradients(gradients, weight: float = 10.0):
    """lambda * E[(||g||_2 - 1)^2], the norm taken over all non-batch axes of each sample's gradient.

    Safe near a zero gradient: the norm of an all-zero gradient is exactly 0 (so the
    penalty is exactly lambda) and its own gradient is 0, not NaN (d sqrt(s)/ds is
    infinite at s = 0, so the square root is taken only where s > 0).
    """
    gradients = ops.convert_to_tensor(gradients)
    squared = ops.sum(ops.square(ops.reshape(gradients, (ops.shape(gradients)[0], -1))), axis=1)
    positive = squared > 0
    norm = ops.where(positive, ops.sqrt(ops.where(positive, squared, ops.ones_like(squared))), 0.0)
    return weight * ops.mean(ops.square(norm - 1.0))


def gradient_penalty(critic, real, fake, weight: float = 10.0, alpha=None, seed=None):
    """The WGAN-GP penalty (Gulrajani et al., 2017): lambda * E[(||grad_x f(x_hat)||_2 - 1)^2].

    x_hat lies on the segment between a real and a fake sample, at a fraction alpha
    drawn uniformly in [0, 1] per sample (pass ``alpha`` (batch,) to fix it). Keeps the
    critic near 1-Lipschitz where it matters: between the two distributions.
    """
    real = tf.convert_to_tensor(real)
    fake = tf.cast(tf.convert_to_tensor(fake), real.dtype)
    if alpha is None:
        if seed is None:
            alpha = tf.random.uniform((tf.shape(real)[0],), 0.0, 1.0)
        else:
            alpha = tf.random.stateless_uniform((tf.shape(real)[0],), seed=seed, minval=0.0, maxval=1.0)
    mixed = interpolates(real, fake, alpha)
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        scores = critic(mixed, training=True)
    gradients = tape.gradient(scores, mixed)
    if gradients is None:  # the critic ignores its input: its gradient is zero everywhere
        gradients = tf.zeros_like(mixed)
    return gradient_penalty_from_gradients(tf.cast(gradients, tf.float32), weight)


def r1_penalty(discriminator, real, weight: float = 1.0, pack: int = 1):
    """The R1 penalty (Mescheder et al., 2018): weight / 2 * E[||grad_x D(x)||^2] on real samples.

    It flattens D around the data, so D cannot keep pushing the generator past
    a mode it has reached, which damps the oscillation that lets generators hop
    from mode to mode. For a packed discriminator (``ganlab.models.packed``) the
    gradient is that of each pack's logit, counted once and not once per sample: pass
    ``pack=ganlab.models.pack_size(discriminator)``.
    """
    real = tf.convert_to_tensor(real)
    with tf.GradientTape() as tape:
        tape.watch(real)
        logits = tf.cast(discriminator(real, training=True), tf.float32)
        total = tf.reduce_sum(logits) / pack  # each pack's logit once
    gradients = tf.cast(tape.gradient(total, real), tf.float32)
    squared = tf.reduce_sum(tf.reshape(tf.square(gradients), (tf.shape(gradients)[0], -1)), axis=1)
    # the mean over packs of the squared norm of the gradient with respect to all of the pack's samples
    return 0.5 * weight * tf.reduce_mean(squared) * pack


def clip_weights(model, clip_value: float = 0.01) -> None:
    """Clip every trainable weight of ``model`` into [-c, c] in place: WGAN's crude Lipschitz constraint."""
    for variable in model.trainable_variables:
        variable.assign(ops.clip(variable, -clip_value, clip_value))


# -- the semi-supervised GAN's losses (Salimans et al., 2016; notebook 06) --------------------------------------


def supervised_loss(labelled_logits, labels):
    """L_supervised: mean cross-entropy of the softmax over the K class logits (batch, K) for labels (batch,)."""
    labels = ops.cast(labels, "int32")
    logits = ops.cast(labelled_logits, "float32")
    chosen = ops.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
    return ops.mean(ops.logsumexp(logits, axis=1) - chosen)


def unsupervised_loss(unlabelled_logits, fake_logits):
    """L_unsupervised = mean[softplus(LSE(real)) - LSE(real)] + mean[softplus(LSE(fake))]; LSE = logsumexp over K.

    The binary cross-entropy of "real" against "generated" when D(x) = Z / (Z + 1): the +1 is
    exp(0), the generated class's fixed logit.
    """
    real = ops.logsumexp(ops.cast(unlabelled_logits, "float32"), axis=1)
    fake = ops.logsumexp(ops.cast(fake_logits, "float32"), axis=1)
    return ops.mean(ops.softplus(real) - real) + ops.mean(ops.softplus(fake))


def semi_supervised_discriminator_loss(labelled_logits, labels, unlabelled_logits, fake_logits,
                                       unsupervised_weight: float = 0.5):
    """L_D = L_supervised(labelled) + unsupervised_weight * L_unsupervised(unlabelled, generated); a scalar.

    Args:
        labelled_logits: D's K class logits (batch_l, K) on labelled images; labels (batch_l,) ints 0..K-1.
        unlabelled_logits: (batch_u, K) on unlabelled real images; fake_logits (batch_f, K) on generated ones.
        unsupervised_weight: w; 1/2 as in Salimans et al.'s code.
    """
    return supervised_loss(labelled_logits, labels) + unsupervised_weight * unsupervised_loss(unlabelled_logits,
                                                                                              fake_logits)


def feature_matching_loss(real_features, fake_features):
    """|| mean real features - mean generated features ||^2 / dim: Salimans et al.'s generator loss."""
    difference = ops.mean(ops.cast(real_features, "float32"), axis=0) - ops.mean(ops.cast(fake_features, "float32"),
                                                                                 axis=0)
    return ops.mean(ops.square(difference))


def real_probability(class_logits):
    """D(x) = Z / (Z + 1) = sigmoid(LSE(l)) from the K class logits (batch, K): shape (batch,)."""
    return ops.sigmoid(ops.logsumexp(ops.cast(class_logits, "float32"), axis=1))


# -- pix2pix's losses (Isola et al., 2017; notebook 08) -----------------------------------------------------------


def _flat(patch_logits):
    """(batch, h, w, 1) patch logits as (batch * h * w, 1): each patch counts as one sample of the BCE."""
    return ops.reshape(patch_logits, (-1, 1))


def patch_discriminator_loss(real_logits, fake_logits):
    """L_D on patch logits (batch, h, w, 1): mean softplus(-l_real) + mean softplus(l_fake) over every patch."""
    return discriminator_loss(_flat(real_logits), _flat(fake_logits))


def l1_distance(generated, target):
    """mean |target - generated| over every pixel of every image (a scalar)."""
    return ops.mean(ops.abs(ops.cast(target, "float32") - ops.cast(generated, "float32")))


def pix2pix_generator_loss(fake_logits, generated, target, l1_weight: float = 100.0):
    """L_G = mean over patches softplus(-l_fake) + l1_weight * mean |target - generated|.

    Args:
        fake_logits: D's patch logits (batch, h, w, 1) on the pairs (condition, generated).
        generated, target: images (batch, H, W, C) in [-1, 1].
        l1_weight: lambda; 100 in Isola et al. (2017).
    """
    return non_saturating_generator_loss(_flat(fake_logits)) + l1_weight * l1_distance(generated, target)


# -- a VAE's ELBO and a diffusion model's noise prediction (notebook 10) ------------------------------------------
# Not GAN losses, but the same kind of small function: the two families notebook 10 sets beside the GAN.


def gaussian_kl(mean, log_variance):
    """KL(q(z|x) || N(0, I)) for q = N(mean, exp(log_variance)) diagonal, summed over the code, averaged over the batch.

    KL = 1/2 sum_j (sigma_j^2 + mu_j^2 - 1 - log sigma_j^2) (Kingma and Welling, 2014, appendix B): 0 exactly
    when q is the prior. ``mean``, ``log_variance``: (batch, latent_dim).
    """
    mean, log_variance = ops.cast(mean, "float32"), ops.cast(log_variance, "float32")
    per_sample = 0.5 * ops.sum(ops.exp(log_variance) + ops.square(mean) - 1.0 - log_variance, axis=-1)
    return ops.mean(per_sample)


def bernoulli_reconstruction_loss(logits, images):
    """-log p(x | z) for pixels read as Bernoulli: sum over pixels, mean over the batch.

    Pixels in [-1, 1] are rescaled to y = (x + 1) / 2 in [0, 1]; with l the decoder's logit,
    -log p = sum_pixels softplus(l) - y l, the binary cross-entropy on logits (finite for any l).
    ``logits``, ``images``: (batch, h, w, c).
    """
    logits = ops.cast(logits, "float32")
    targets = (ops.cast(images, "float32") + 1.0) / 2.0
    per_pixel = ops.softplus(logits) - targets * logits
    return ops.mean(ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=-1))


def negative_elbo(logits, images, mean, log_variance, kl_weight: float = 1.0):
    """-ELBO = E_q[-log p(x | z)] + kl_weight * KL(q(z | x) || p(z)), one sample of z per image (nats per image).

    ``kl_weight`` 1 is the VAE; other values give the beta-VAE of Higgins et al. (2017).
    """
    return bernoulli_reconstruction_loss(logits, images) + kl_weight * gaussian_kl(mean, log_variance)


def noise_prediction_loss(predicted_noise, noise):
    """Ho et al.'s (2020) L_simple = mean ||eps - eps_theta(x_t, t)||^2 over every pixel and image (a scalar)."""
    return ops.mean(ops.square(ops.cast(noise, "float32") - ops.cast(predicted_noise, "float32")))


# -- CycleGAN's losses (Zhu et al., 2017; notebook 09) -------------------------------------------------------------
# CycleGAN's discriminators are trained by least squares (LSGAN, Mao et al., 2017) on patch scores s, not by
# cross-entropy: D pushes real patches' scores to 1 and generated ones' to 0, G pushes its patches' to 1.


def least_squares_discriminator_loss(real_scores, fake_scores):
    """L_D = 1/2 mean (s_real - 1)^2 + 1/2 mean s_fake^2 over every patch (the 1/2 as in CycleGAN, slowing D)."""
    real_scores, fake_scores = ops.cast(real_scores, "float32"), ops.cast(fake_scores, "float32")
    return 0.5 * ops.mean(ops.square(real_scores - 1.0)) + 0.5 * ops.mean(ops.square(fake_scores))


def least_squares_generator_loss(fake_scores):
    """L_G,adv = mean (s_fake - 1)^2 over every patch: G wants D to score its patches as real (1)."""
    return ops.mean(ops.square(ops.cast(fake_scores, "float32") - 1.0))


def cycle_consistency_loss(real_a, cycled_a, real_b, cycled_b):
    """L_cyc = mean |F(G(a)) - a| + mean |G(F(b)) - b|: both ways round, each an L1 mean over pixels and images.

    ``cycled_a`` = F(G(a)) is A -> B -> A, ``cycled_b`` = G(F(b)) is B -> A -> B. Unweighted: CycleGAN
    multiplies it by lambda (10 in Zhu et al.).
    """
    return l1_distance(cycled_a, real_a) + l1_distance(cycled_b, real_b)


def identity_loss(real_a, same_a, real_b, same_b):
    """L_idt = mean |F(a) - a| + mean |G(b) - b|: a translator given an image already in its target domain
    should leave it alone (``same_a`` = F(a), ``same_b`` = G(b)). Zhu et al. weigh it 0.5 lambda."""
    return l1_distance(same_a, real_a) + l1_distance(same_b, real_b)
