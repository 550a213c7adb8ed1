"""``SemiSupervisedGAN``: a discriminator that is also a K-class classifier (Salimans et al., 2016; notebook 06).

The discriminator has K class logits l_1..l_K and the generated class's logit fixed at 0, so that
D(x) = P(real | x) = Z / (Z + 1) with Z(x) = sum_k exp l_k(x). Its loss is
``ganlab.losses.semi_supervised_discriminator_loss``: cross-entropy over the K classes on a few
labelled images plus w times real-against-generated on unlabelled and generated ones. The generator
is trained by **feature matching**, || E_x f(x) - E_z f(G(z)) ||^2 over D's last hidden features f,
which Salimans et al. found gives the best classifier (not the best samples).
"""
from __future__ import annotations

import keras
import numpy as np
from keras import ops

from ganlab import losses
from ganlab._checks import one_of, positive_float
from ganlab.models.networks import predict
from ganlab.training.checks import check_batches
from ganlab.training.gan import GAN


class SemiSupervisedGAN(GAN):
    """The semi-supervised GAN of Salimans et al. (2016): a K+1-class discriminator trained by ``fit``.

    Args:
        generator: noise (batch, latent_dim) -> images, e.g. ``models.semi_supervised_generator``.
        discriminator: images -> [class logits (batch, K), features (batch, d)], e.g.
            ``models.semi_supervised_discriminator``.
        unsupervised_weight: w in L_D = L_supervised + w L_unsupervised (1/2 as in the authors' code).
        generator_objective: ``"feature_matching"`` (the paper's choice for classification) or
            ``"non_saturating"`` (-log D(G(z)) with D(x) = Z / (Z + 1)).
        discriminator_loss: a function ``(labelled_logits, labels, unlabelled_logits, fake_logits) -> scalar``
            replacing :func:`ganlab.losses.semi_supervised_discriminator_loss` (notebook 06 trains with the
            learner's own).
        seed, ema_decay, name: as for :class:`ganlab.training.GAN`.

    Trained on :func:`ganlab.data.semi_supervised_dataset` batches (unlabelled, labelled, labels).
    Logged: ``d_loss``, ``g_loss``, ``supervised``, ``unsupervised``, ``d_real``, ``d_fake`` (mean
    D(x) = Z / (Z + 1) on real and generated images) and ``labelled_accuracy`` (on the labelled batch).
    ``classify(images)`` and ``accuracy(images, labels)`` use D as the classifier.
    """

    OBJECTIVES = ("feature_matching", "non_saturating")
    logged = ("d_loss", "g_loss", "supervised", "unsupervised", "d_real", "d_fake", "labelled_accuracy")

    def __init__(self, generator: keras.Model, discriminator: keras.Model, unsupervised_weight: float = 0.5,
                 generator_objective: str = "feature_matching", discriminator_loss=None,
                 name: str = "semi_supervised_gan", **kwargs):
        if kwargs.get("r1_weight") or kwargs.get("discriminator_steps", 1) != 1:
            raise ValueError("SemiSupervisedGAN takes one discriminator step per generator step and no R1 penalty: "
                             "leave discriminator_steps and r1_weight out.")
        super().__init__(generator, discriminator, name=name, **kwargs)
        self.num_classes = int(discriminator.outputs[0].shape[-1])
        self.unsupervised_weight = positive_float("unsupervised_weight", unsupervised_weight, allow_zero=True)
        self.generator_objective = one_of("generator_objective", generator_objective, self.OBJECTIVES)
        if discriminator_loss is not None and not callable(discriminator_loss):
            raise TypeError(f"discriminator_loss must be a function (labelled_logits, labels, unlabelled_logits, "
                            f"fake_logits) -> loss, got {discriminator_loss!r}.")
        self.semi_supervised_loss_fn = discriminator_loss

    def check_models(self, generator: keras.Model, discriminator: keras.Model) -> None:
        """G: noise (batch, latent_dim) -> images; D: images -> [class logits (batch, K), features (batch, d)]."""
        if len(generator.inputs) != 1 or len(generator.input_shape) != 2:
            raise ValueError(f"generator must take one noise input (batch, latent_dim), got {generator.input_shape}.")
        if len(discriminator.outputs) != 2:
            raise ValueError(f"discriminator must return two outputs, [class logits (batch, K), features (batch, d)], "
                             f"got {len(discriminator.outputs)}. Build it with "
                             "ganlab.models.semi_supervised_discriminator.")
        logits, features = (tuple(t.shape) for t in discriminator.outputs)
        if len(logits) != 2 or logits[1] is None or logits[1] < 2 or len(features) != 2:
            raise ValueError(f"discriminator's outputs must be class logits (batch, K >= 2) and features (batch, d), "
                             f"got {logits} and {features}.")
        sample_shape = tuple(generator.output_shape[1:])
        if tuple(discriminator.input_shape[1:]) != sample_shape:
            raise ValueError(f"generator makes samples of shape {sample_shape} but discriminator expects "
                             f"{tuple(discriminator.input_shape[1:])}: build both for the same image shape.")

    # -- what differs: three inputs, the K+1-class loss, feature matching -----------------------------------
    def unpack(self, data) -> dict:
        unlabelled, labelled, labels = data
        return {"real": ops.cast(unlabelled, self.compute_dtype), "labelled": ops.cast(labelled, self.compute_dtype),
                "labels": ops.cast(labels, "int32")}

    def discriminator_loss(self, batch, draw: int = 0):
        unlabelled, labelled, labels = batch["real"], batch["labelled"], batch["labels"]
        fake = self.generator(self.noise(ops.shape(unlabelled)[0], draw), training=True)
        labelled_logits, _ = self.discriminator(labelled, training=True)
        unlabelled_logits, _ = self.discriminator(unlabelled, training=True)
        fake_logits, _ = self.discriminator(fake, training=True)
        if self.semi_supervised_loss_fn is not None:
            loss = ops.cast(ops.convert_to_tensor(self.semi_supervised_loss_fn(
                labelled_logits, labels, unlabelled_logits, fake_logits)), "float32")
        else:
            loss = losses.semi_supervised_discriminator_loss(labelled_logits, labels, unlabelled_logits, fake_logits,
                                                             self.unsupervised_weight)
        correct = ops.cast(ops.equal(ops.argmax(labelled_logits, axis=1), ops.cast(labels, "int64")), "float32")
        return loss, {"d_loss": loss, "supervised": losses.supervised_loss(labelled_logits, labels),
                      "unsupervised": losses.unsupervised_loss(unlabelled_logits, fake_logits),
                      "d_real": ops.mean(losses.real_probability(unlabelled_logits)),
                      "d_fake": ops.mean(losses.real_probability(fake_logits)),
                      "labelled_accuracy": ops.mean(correct)}

    def generator_loss(self, batch, draw: int = -1):
        unlabelled = batch["real"]
        generated = self.generator(self.noise(ops.shape(unlabelled)[0], draw), training=True)
        generated_logits, generated_features = self.discriminator(generated, training=True)
        if self.generator_objective == "feature_matching":
            _, real_features = self.discriminator(unlabelled, training=True)
            loss = losses.feature_matching_loss(real_features, generated_features)
        else:  # -log D(G(z)) = softplus(-LSE)
            loss = ops.mean(ops.softplus(-ops.logsumexp(ops.cast(generated_logits, "float32"), axis=1)))
        return loss, {"g_loss": loss}

    def check_dataset(self, dataset) -> None:
        """Raise a clear error unless ``dataset`` yields (unlabelled, labelled, labels) batches of the right shapes."""
        check_batches(dataset, {"unlabelled images": self.sample_shape, "labelled images": self.sample_shape,
                                "labels": "labels"},
                      generator=self.generator, num_classes=self.num_classes,
                      example="ganlab.data.semi_supervised_dataset")

    # -- using D as a classifier --------------------------------------------------------------------------------
    def class_logits(self, images, batch_size: int = 2000) -> np.ndarray:
        """D's K class logits (n, K) for images (n, *sample_shape), in inference mode (no noise)."""
        images = np.asarray(images, dtype=np.float32)
        if images.shape[1:] != self.sample_shape:
            raise ValueError(f"images must have shape (n, {', '.join(map(str, self.sample_shape))}), got "
                             f"{images.shape}.")
        return predict(self.discriminator, images, batch_size, output=0)

    def classify(self, images, batch_size: int = 2000) -> np.ndarray:
        """The predicted class (n,) of each image: argmax of D's K class logits."""
        return self.class_logits(images, batch_size).argmax(axis=1)

    def accuracy(self, images, labels, batch_size: int = 2000) -> float:
        """The share of ``images`` whose predicted class equals ``labels``."""
        return float(np.mean(self.classify(images, batch_size) == np.asarray(labels)))

    def discriminate(self, x, batch_size: int = 2000) -> np.ndarray:
        """D(x) = Z / (Z + 1): the probability, shape (n,), that D gives each image being real."""
        logits = self.class_logits(x, batch_size).astype(np.float64)
        top = logits.max(axis=1)
        lse = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
        return 1.0 / (1.0 + np.exp(-lse))
