"""Small, fixed training runs of every GAN kind, whose numbers a refactor of the training step must keep.

``numbers(kind)`` builds tiny networks from a fixed seed, trains three steps with ``fit`` on fixed
data and returns the logged values and a few sums of the generator's and discriminator's weights.
``tests/data/step_numbers.json`` holds the values computed before the training step was rewritten
as one shared core; ``test_step_numbers.py`` compares against them within float tolerance.
Run ``python tests/step_cases.py`` to write the file again (only when a change of numbers is meant).
"""
from __future__ import annotations

import json
from pathlib import Path

import ganlab  # noqa: F401  (sets the backend)
import keras
import numpy as np
import tensorflow as tf

STORED = Path(__file__).parent / "data" / "step_numbers.json"
KINDS = ("plain", "plain_r1_k2", "plain_ema_minimax", "wgan_gp", "wgan_clip", "unrolled", "conditional",
         "semi_supervised", "pix2pix", "pix2pix_l1_only")


def _images(n, shape=(8, 8, 1), seed=0):
    return np.tanh(np.random.default_rng(seed).normal(size=(n, *shape))).astype(np.float32)


def _build(kind):
    from ganlab import models, training
    keras.utils.set_random_seed(0)
    if kind.startswith("plain") or kind.startswith("wgan") or kind == "unrolled":
        g = models.mlp_generator(latent_dim=4, output_shape=(8, 8, 1), hidden_units=(16,))
        d = models.mlp_discriminator(input_shape=(8, 8, 1), hidden_units=(16,), dropout=0.0)
        if kind == "plain":
            gan = training.GAN(g, d, seed=3)
        elif kind == "plain_r1_k2":
            gan = training.GAN(g, d, seed=3, r1_weight=0.5, discriminator_steps=2)
        elif kind == "plain_ema_minimax":
            gan = training.GAN(g, d, seed=3, ema_decay=0.9, generator_loss="minimax")
        elif kind == "wgan_gp":
            gan = training.WGAN(g, d, seed=3, critic_steps=2)
        elif kind == "wgan_clip":
            gan = training.WGAN(g, d, seed=3, critic_steps=2, constraint="clipping")
        else:
            gan = training.UnrolledGAN(g, d, seed=3, unroll_steps=2)
        data = tf.data.Dataset.from_tensor_slices(_images(48)).batch(16)
    elif kind == "conditional":
        g = models.conditional_generator(num_classes=3, latent_dim=4, image_shape=(8, 8, 1), width=4,
                                         embedding_dim=4)
        d = models.conditional_discriminator(num_classes=3, image_shape=(8, 8, 1), width=4)
        gan = _conditional_gan()(g, d, seed=3)
        labels = (np.arange(48) % 3).astype(np.int32)
        data = tf.data.Dataset.from_tensor_slices((_images(48), labels)).batch(16)
    elif kind == "semi_supervised":
        g = models.semi_supervised_generator(latent_dim=4, image_shape=(8, 8, 1), hidden_units=(16,))
        d = models.semi_supervised_discriminator(num_classes=3, image_shape=(8, 8, 1), hidden_units=(16, 8),
                                                 input_noise=0.0, hidden_noise=0.0, weight_norm=False)
        gan = _semi_supervised_gan()(g, d, seed=3)
        labels = (np.arange(48) % 3).astype(np.int32)
        data = tf.data.Dataset.from_tensor_slices((_images(48), _images(48, seed=1), labels)).batch(16)
    else:
        g = models.unet_generator((8, 8, 1), width=4, downsamplings=2)
        d = models.patchgan_discriminator((8, 8, 1), (8, 8, 1), width=4, downsamplings=2)
        gan = _pix2pix()(g, d, seed=3, gan_weight=0.0 if kind == "pix2pix_l1_only" else 1.0)
        data = tf.data.Dataset.from_tensor_slices((_images(48, seed=2), _images(48))).batch(16)
    return gan, data


def _conditional_gan():
    try:
        from ganlab.training import ConditionalGAN
    except ImportError:
        from ganlab.training import ConditionalGAN
    return ConditionalGAN


def _semi_supervised_gan():
    try:
        from ganlab.training import SemiSupervisedGAN
    except ImportError:
        from ganlab.training import SemiSupervisedGAN
    return SemiSupervisedGAN


def _pix2pix():
    try:
        from ganlab.training import Pix2Pix
    except ImportError:
        from ganlab.training import Pix2Pix
    return Pix2Pix


def numbers(kind: str) -> dict:
    """The logs of three steps (one epoch) and weight sums after them, for GAN kind ``kind``."""
    gan, data = _build(kind)
    gan.compile(keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5))
    history = gan.fit(data, epochs=1, verbose=0)
    out = {name: float(values[-1]) for name, values in history.history.items()}
    for what, model in (("generator", gan.generator), ("discriminator", gan.discriminator)):
        weights = [np.asarray(w, np.float64) for w in model.get_weights()]
        out[f"{what}_abs_sum"] = float(sum(np.abs(w).sum() for w in weights))
        out[f"{what}_sum"] = float(sum(w.sum() for w in weights))
    if getattr(gan, "ema_generator", None) is not None:
        out["ema_abs_sum"] = float(sum(np.abs(np.asarray(w, np.float64)).sum()
                                       for w in gan.ema_generator.get_weights()))
    return out


if __name__ == "__main__":
    STORED.write_text(json.dumps({kind: numbers(kind) for kind in KINDS}, indent=1, sort_keys=True) + "\n")
    print(STORED.read_text())
