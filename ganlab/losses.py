"""GAN losses, as plain functions of discriminator logits.

Notation: l_r = D's logit on real data, l_f = its logit on generated data,
D(x) = sigmoid(l) the probability that x is real, and softplus(t) = log(1 + e^t).
Then -log D(x) = softplus(-l) and -log(1 - D(x)) = softplus(l), which stay
finite even when D saturates at 0 or 1, where log(sigmoid(l)) would give -inf.
Every function returns the mean over the batch, a scalar.
"""
from __future__ import annotations

from keras import ops


def value_function(real_logits, fake_logits):
    """The minimax value V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))].

    D maximises V, G minimises it (Goodfellow et al., 2014, eq. 1). At the
    equilibrium D = 1/2 everywhere and V = -log 4.
    """
    return -ops.mean(ops.softplus(-real_logits)) - ops.mean(ops.softplus(fake_logits))


def discriminator_loss(real_logits, fake_logits):
    """Binary cross-entropy for D, real labelled 1 and fake 0: -V(D, G).

    L_D = -E_x[log D(x)] - E_z[log(1 - D(G(z)))]
        = mean(softplus(-l_r)) + mean(softplus(l_f)).
    Minimising it is maximising the value function.
    """
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def minimax_generator_loss(fake_logits):
    """The saturating generator loss, G's side of the minimax game.

    L_G = E_z[log(1 - D(G(z)))] = -mean(softplus(l_f)).
    Its gradient with respect to l_f is -D(G(z)), which vanishes when D confidently
    rejects the samples (D(G(z)) near 0), exactly when G most needs to learn.
    """
    return -ops.mean(ops.softplus(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """The non-saturating generator loss (Goodfellow et al., 2014, section 3).

    L_G = -E_z[log D(G(z))] = mean(softplus(-l_f)).
    Same fixed point as the minimax loss, but its gradient with respect to l_f is
    -(1 - D(G(z))), close to -1 when D rejects the samples: strong early gradients.
    """
    return ops.mean(ops.softplus(-fake_logits))


GENERATOR_LOSSES = {
    "non_saturating": non_saturating_generator_loss,
    "minimax": minimax_generator_loss,
}
