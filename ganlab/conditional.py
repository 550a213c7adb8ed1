"""GANs that use labels: the class-conditional GAN and the semi-supervised GAN (notebook 06).

``ConditionalGAN`` trains G(z, y) and D(x, y) by ``fit`` on a dataset of (images, labels)
(Mirza and Osindero, 2014; with the projection discriminator of Miyato and Koyama, 2018).
Each step is the plain GAN's: D learns to tell (x, y) from (G(z, y), y), G to fool it; the
generated images of a step are given the labels of the step's real images, so every class
is generated as often as it occurs in the data.

``SemiSupervisedGAN`` (Salimans et al., 2016) makes the discriminator a classifier with K+1
classes: the K real classes and "generated". With D's class logits l_1..l_K and the
generated class's logit fixed at 0, Z(x) = sum_k exp l_k(x) and D(x) = P(real | x) = Z / (Z + 1):

    L_supervised   = -E_(x,y) labelled [ l_y(x) - log sum_k exp l_k(x) ]      (cross-entropy over the K classes)
    L_unsupervised = -E_x [ log Z(x)/(Z(x) + 1) ] - E_z [ log 1/(Z(G(z)) + 1) ]
                   =  E_x [ softplus(LSE(x)) - LSE(x) ] + E_z [ softplus(LSE(G(z))) ],   LSE = log sum_k exp l_k
    L_D = L_supervised + w * L_unsupervised    (w = 1/2 in the authors' code)

and G is trained by **feature matching**, || E_x f(x) - E_z f(G(z)) ||^2 over D's last
hidden features f, which Salimans et al. found gives the best classifier (not the best
samples). The labelled batch is a few labelled examples drawn again and again, the
unlabelled batch comes from the whole training set.

Also here: the classification accuracy score (Ravuri and Vinyals, 2019), per-class
Fréchet distances, and the small classifier's training loop used by both and by
``benchmarks/scarce_labels.py``.
"""
from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganlab._checks import one_of, positive_float, positive_int
from ganlab.training import GAN, _logs, _output_is_tanh, _per_replica

# -- losses --------------------------------------------------------------------------------------------------------


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


# -- the conditional GAN --------------------------------------------------------------------------------------------


def _label_spec_ok(spec) -> bool:
    return isinstance(spec, tf.TensorSpec) and spec.dtype.is_integer and len(spec.shape) == 1


class ConditionalGAN(GAN):
    """A class-conditional GAN trained by ``fit`` on a dataset of (images, labels) batches.

    Args:
        generator: inputs [noise (batch, latent_dim), labels (batch,)] -> images, e.g.
            ``models.conditional_generator``.
        discriminator: inputs [images, labels] -> logits (batch, 1), e.g. ``models.conditional_discriminator``.
        num_classes: K, the number of rows of the generator's label embedding by default.
        Other arguments as for :class:`ganlab.training.GAN` (R1 is not implemented here).

    Logged as the GAN: ``d_loss``, ``g_loss``, ``d_real``, ``d_fake``. ``sample(n, labels=...)``
    draws images of given classes; without labels, classes 0, 1, ..., K-1, 0, 1, ... in turn.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, num_classes: int | None = None,
                 discriminator_steps: int = 1, seed: int | None = None, ema_decay: float | None = None,
                 name: str = "conditional_gan", **kwargs):
        if kwargs.get("r1_weight"):
            raise NotImplementedError("R1 is not implemented for ConditionalGAN; leave r1_weight at 0.")
        super().__init__(generator, discriminator, discriminator_steps=discriminator_steps, seed=seed,
                         ema_decay=ema_decay, name=name, **kwargs)
        if num_classes is None:
            tables = [layer for layer in generator.layers if isinstance(layer, keras.layers.Embedding)]
            if len(tables) != 1:
                raise ValueError("num_classes is not known: pass num_classes=10 (the generator has no single "
                                 "label Embedding layer to read it from).")
            num_classes = tables[0].input_dim
        self.num_classes = positive_int("num_classes", num_classes, minimum=2, example=10)

    def check_models(self, generator: keras.Model, discriminator: keras.Model) -> None:
        """G: [noise (batch, latent_dim), labels (batch,)] -> samples; D: [samples, labels] -> (batch, 1)."""
        if len(generator.inputs) != 2 or len(generator.inputs[0].shape) != 2 or len(generator.inputs[1].shape) != 1:
            raise ValueError(f"generator must take two inputs, [noise (batch, latent_dim), labels (batch,)], got "
                             f"{[tuple(t.shape) for t in generator.inputs]}. Build it with "
                             "ganlab.models.conditional_generator.")
        if len(discriminator.inputs) != 2 or len(discriminator.inputs[1].shape) != 1:
            raise ValueError(f"discriminator must take two inputs, [images, labels (batch,)], got "
                             f"{[tuple(t.shape) for t in discriminator.inputs]}. Build it with "
                             "ganlab.models.conditional_discriminator.")
        sample_shape = tuple(generator.output_shape[1:])
        if tuple(discriminator.inputs[0].shape[1:]) != sample_shape:
            raise ValueError(f"generator makes samples of shape {sample_shape} but discriminator expects "
                             f"{tuple(discriminator.inputs[0].shape[1:])}: build both for the same image shape.")
        if tuple(discriminator.output_shape[1:]) != (1,):
            raise ValueError(f"discriminator must output one logit per sample, (batch, 1), got "
                             f"{discriminator.output_shape}.")

    # -- one step -----------------------------------------------------------------------------------------------
    def discriminator_step(self, real, labels, draw: int = 0):
        """One update of D on (real, labels) and (G(z, labels), labels); returns (loss, real logits, fake logits)."""
        fake = self.generator([self.noise(tf.shape(real)[0], draw), labels], training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator([real, labels], training=True)
            fake_logits = self.discriminator([fake, labels], training=True)
            loss = self.discriminator_loss(real_logits, fake_logits)
            scaled = self.discriminator_optimizer.scale_loss(_per_replica(loss))
        variables = self.discriminator.trainable_variables
        self.discriminator_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return loss, real_logits, fake_logits

    def generator_step(self, labels, draw: int = -1):
        """One update of G on fresh noise with the given labels; returns G's loss."""
        with tf.GradientTape() as tape:
            fake = self.generator([self.noise(tf.shape(labels)[0], draw), labels], training=True)
            loss = self.generator_loss_fn(self.discriminator([fake, labels], training=True))
            scaled = self.generator_optimizer.scale_loss(_per_replica(loss))
        variables = self.generator.trainable_variables
        self.generator_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return loss

    def train_step(self, data):
        real, labels = data
        real = tf.cast(real, self.compute_dtype)
        labels = tf.cast(labels, "int32")
        k = self.discriminator_steps
        d_losses = []
        for i in range(k):
            part, part_labels = real[i::k], labels[i::k]
            d_loss, real_logits, fake_logits = self.discriminator_step(part, part_labels, draw=i)
            d_losses.append(d_loss)
        g_loss = self.generator_step(part_labels, draw=k)
        if self.ema_generator is not None:
            self.update_ema()
        self.step_counter.assign_add(1)
        self.track(tf.add_n(d_losses) / k, g_loss, real_logits, fake_logits)
        return _logs(self.metrics)

    # -- data ---------------------------------------------------------------------------------------------------
    def check_dataset(self, dataset) -> None:
        """Raise a clear error unless ``dataset`` yields (images, labels) batches that fit the networks."""
        if not isinstance(dataset, tf.data.Dataset):
            raise TypeError(f"x must be a tf.data.Dataset of (images, labels) pairs, for example "
                            f"ganlab.data.labelled_dataset('mnist'), got {type(dataset).__name__}.")
        spec = dataset.element_spec
        if not isinstance(spec, tuple) or len(spec) != 2 or not _label_spec_ok(spec[1]):
            raise TypeError(f"x must yield (images, labels) pairs with integer labels of shape (batch,), got {spec}. "
                            "Build it with ganlab.data.labelled_dataset or "
                            "ganlab.data.array_dataset(images, 64, labels=labels.astype('int32')).")
        super().check_dataset(dataset)  # images: shape, dtype, scale, finite
        first = next(iter(dataset.take(1)))
        labels = np.asarray(first[1])
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f"x yields labels from {labels.min()} to {labels.max()}, but this GAN has "
                             f"num_classes={self.num_classes} (labels 0..{self.num_classes - 1}).")

    # -- using the trained model --------------------------------------------------------------------------------
    def _labels(self, n: int, labels) -> np.ndarray:
        if labels is None:
            return (np.arange(n) % self.num_classes).astype(np.int32)
        labels = np.asarray(labels)
        if labels.ndim == 0:
            labels = np.full(n, int(labels))
        if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"labels must be {n} integer class numbers (one per sample), or one class for all; "
                             f"got {labels.shape} of dtype {labels.dtype}.")
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f"labels must lie in 0..{self.num_classes - 1}, got {labels.min()}..{labels.max()}.")
        return labels.astype(np.int32)

    def sample(self, n: int, seed: int | None = 0, batch_size: int = 1024, raw: bool = False, labels=None,
               noise=None) -> np.ndarray:
        """``n`` images (n, *sample_shape) of the classes ``labels`` ((n,) ints, or one int for all).

        Without ``labels`` the classes take turns 0, 1, ..., K-1, 0, ... (so callbacks that call
        ``sample(n, seed)`` see every class). ``noise`` (n, latent_dim) replaces the noise that ``seed`` draws.
        """
        positive_int("n", n, example=64)
        labels = self._labels(n, labels)
        noise = self.fixed_noise(n, seed) if noise is None else np.asarray(noise, np.float32)
        if noise.shape != (n, self.latent_dim):
            raise ValueError(f"noise must have shape ({n}, {self.latent_dim}), got {noise.shape}.")
        network = self.generator if raw else self.sampling_generator
        parts = [network([noise[i:i + batch_size], labels[i:i + batch_size]], training=False)
                 for i in range(0, n, batch_size)]
        return np.concatenate([keras.ops.convert_to_numpy(p) for p in parts]).astype(np.float32)

    def discriminate(self, x, labels=None, batch_size: int = 1024) -> np.ndarray:
        """D(x, y): the probability, shape (n,), that D gives each (image, label) pair being real."""
        x = np.asarray(x, dtype=np.float32)
        if x.shape[1:] != self.sample_shape:
            raise ValueError(f"x must have shape (n, {', '.join(map(str, self.sample_shape))}), got {x.shape}.")
        if labels is None:
            raise ValueError("labels are needed: a conditional discriminator judges (image, label) pairs.")
        labels = self._labels(len(x), labels)
        logits = [keras.ops.convert_to_numpy(self.discriminator([x[i:i + batch_size], labels[i:i + batch_size]],
                                                                training=False))
                  for i in range(0, len(x), batch_size)]
        return 1.0 / (1.0 + np.exp(-np.concatenate(logits)[:, 0].astype(np.float64)))


# -- the semi-supervised GAN ----------------------------------------------------------------------------------------


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
            replacing :func:`semi_supervised_discriminator_loss` (notebook 06 trains with the learner's own).
        seed, ema_decay, name: as for :class:`ganlab.training.GAN` (no weight average by default).

    Trained on :func:`ganlab.data.semi_supervised_dataset` batches (unlabelled, labelled, labels).
    Logged: ``d_loss``, ``g_loss``, ``supervised``, ``unsupervised``, ``d_real``, ``d_fake`` (mean
    D(x) = Z / (Z + 1) on real and generated images) and ``labelled_accuracy`` (on the labelled batch).
    ``classify(images)`` and ``accuracy(images, labels)`` use D as the classifier.
    """

    OBJECTIVES = ("feature_matching", "non_saturating")

    def __init__(self, generator: keras.Model, discriminator: keras.Model, unsupervised_weight: float = 0.5,
                 generator_objective: str = "feature_matching", discriminator_loss=None, seed: int | None = None,
                 ema_decay: float | None = None, name: str = "semi_supervised_gan", **kwargs):
        if kwargs.get("r1_weight") or kwargs.get("discriminator_steps", 1) != 1:
            raise NotImplementedError("SemiSupervisedGAN takes one D step per G step and no R1 penalty.")
        super().__init__(generator, discriminator, seed=seed, ema_decay=ema_decay, name=name, **kwargs)
        self.num_classes = int(discriminator.outputs[0].shape[-1])
        self.unsupervised_weight = positive_float("unsupervised_weight", unsupervised_weight, allow_zero=True)
        self.generator_objective = one_of("generator_objective", generator_objective, self.OBJECTIVES)
        if discriminator_loss is not None and not callable(discriminator_loss):
            raise TypeError(f"discriminator_loss must be a function (labelled_logits, labels, unlabelled_logits, "
                            f"fake_logits) -> loss, got {discriminator_loss!r}.")
        self.semi_supervised_loss_fn = discriminator_loss
        self.supervised_tracker = keras.metrics.Mean(name="supervised")
        self.unsupervised_tracker = keras.metrics.Mean(name="unsupervised")
        self.accuracy_tracker = keras.metrics.Mean(name="labelled_accuracy")

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

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.supervised_tracker, self.unsupervised_tracker,
                self.d_real_tracker, self.d_fake_tracker, self.accuracy_tracker]

    def train_step(self, data):
        unlabelled, labelled, labels = data
        unlabelled = tf.cast(unlabelled, self.compute_dtype)
        labelled = tf.cast(labelled, self.compute_dtype)
        labels = tf.cast(labels, "int32")
        n = tf.shape(unlabelled)[0]
        fake = self.generator(self.noise(n, 0), training=True)
        with tf.GradientTape() as tape:
            labelled_logits, _ = self.discriminator(labelled, training=True)
            unlabelled_logits, _ = self.discriminator(unlabelled, training=True)
            fake_logits, _ = self.discriminator(fake, training=True)
            if self.semi_supervised_loss_fn is not None:
                d_loss = ops.cast(ops.convert_to_tensor(self.semi_supervised_loss_fn(
                    labelled_logits, labels, unlabelled_logits, fake_logits)), "float32")
            else:
                d_loss = semi_supervised_discriminator_loss(labelled_logits, labels, unlabelled_logits, fake_logits,
                                                            self.unsupervised_weight)
            scaled = self.discriminator_optimizer.scale_loss(_per_replica(d_loss))
        variables = self.discriminator.trainable_variables
        self.discriminator_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))

        with tf.GradientTape() as tape:
            generated = self.generator(self.noise(n, 1), training=True)
            generated_logits, generated_features = self.discriminator(generated, training=True)
            if self.generator_objective == "feature_matching":
                _, real_features = self.discriminator(unlabelled, training=True)
                g_loss = feature_matching_loss(real_features, generated_features)
            else:  # -log D(G(z)) = softplus(-LSE)
                g_loss = ops.mean(ops.softplus(-ops.logsumexp(ops.cast(generated_logits, "float32"), axis=1)))
            scaled = self.generator_optimizer.scale_loss(_per_replica(g_loss))
        variables = self.generator.trainable_variables
        self.generator_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        if self.ema_generator is not None:
            self.update_ema()
        self.step_counter.assign_add(1)

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.supervised_tracker.update_state(supervised_loss(labelled_logits, labels))
        self.unsupervised_tracker.update_state(unsupervised_loss(unlabelled_logits, fake_logits))
        self.d_real_tracker.update_state(ops.mean(real_probability(unlabelled_logits)))
        self.d_fake_tracker.update_state(ops.mean(real_probability(fake_logits)))
        correct = ops.cast(ops.equal(ops.argmax(labelled_logits, axis=1), ops.cast(labels, "int64")), "float32")
        self.accuracy_tracker.update_state(ops.mean(correct))
        return _logs(self.metrics)

    def check_dataset(self, dataset) -> None:
        """Raise a clear error unless ``dataset`` yields (unlabelled, labelled, labels) batches of the right shapes."""
        if not isinstance(dataset, tf.data.Dataset):
            raise TypeError(f"x must be a tf.data.Dataset of (unlabelled, labelled, labels) batches, from "
                            f"ganlab.data.semi_supervised_dataset, got {type(dataset).__name__}.")
        spec = dataset.element_spec
        if not isinstance(spec, tuple) or len(spec) != 3 or not _label_spec_ok(spec[2]):
            raise TypeError(f"x must yield (unlabelled images, labelled images, labels) batches, got {spec}. Build "
                            "it with ganlab.data.semi_supervised_dataset.")
        for what, part in (("unlabelled images", spec[0]), ("labelled images", spec[1])):
            if tuple(part.shape[1:]) != self.sample_shape:
                raise ValueError(f"x yields {what} of shape {tuple(part.shape)} but the networks expect "
                                 f"(batch, {', '.join(map(str, self.sample_shape))}).")
            if not part.dtype.is_floating:
                raise TypeError(f"x yields {what} of dtype {part.dtype.name}; convert to float32 in [-1, 1].")
        first = next(iter(dataset.take(1)), None)
        if first is None:
            raise ValueError("x is empty: it yields no batch.")
        unlabelled, labelled, labels = (np.asarray(part) for part in first)
        if not (np.all(np.isfinite(unlabelled)) and np.all(np.isfinite(labelled))):
            raise ValueError("x contains NaN or infinite values in its first batch; clean the data before training.")
        if _output_is_tanh(self.generator) and np.abs(unlabelled).max() > 1.0 + 1e-3:
            raise ValueError(f"x holds values in [{unlabelled.min():.3g}, {unlabelled.max():.3g}] but the generator "
                             "ends in tanh: scale images to [-1, 1].")
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f"x yields labels from {labels.min()} to {labels.max()}, but D has {self.num_classes} "
                             f"class logits (labels 0..{self.num_classes - 1}).")

    # -- using D as a classifier --------------------------------------------------------------------------------
    def class_logits(self, images, batch_size: int = 2000) -> np.ndarray:
        """D's K class logits (n, K) for images (n, *sample_shape), in inference mode (no noise)."""
        images = np.asarray(images, dtype=np.float32)
        if images.shape[1:] != self.sample_shape:
            raise ValueError(f"images must have shape (n, {', '.join(map(str, self.sample_shape))}), got "
                             f"{images.shape}.")
        parts = [keras.ops.convert_to_numpy(self.discriminator(images[i:i + batch_size], training=False)[0])
                 for i in range(0, len(images), batch_size)]
        return np.concatenate(parts)

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


# -- classifiers, the classification accuracy score, per-class FD ---------------------------------------------------


def train_classifier(images, labels, steps: int = 1000, batch_size: int = 64, augment: bool = False,
                     learning_rate: float = 1e-3, seed: int = 0, width: int = 32) -> keras.Model:
    """Train ``models.small_classifier`` on (images, labels) for ``steps`` Adam updates; returns the model.

    Batches are drawn in an order fixed by ``seed`` (smaller sets are cycled through);
    ``augment=True`` puts classic augmentation (shifts, rotations, zooms) in front of the network.
    """
    from ganlab.data.pipeline import array_dataset
    from ganlab.models.conditional import small_classifier

    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels)
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"images and labels must be non-empty and of one length, got {len(images)} and {len(labels)}.")
    steps = positive_int("steps", steps, example=1000)
    batch_size = min(positive_int("batch_size", batch_size, example=64), len(images))
    keras.utils.set_random_seed(seed)
    model = small_classifier(int(labels.max()) + 1 if labels.max() >= 9 else 10, images.shape[1:], width=width,
                             augment=augment, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    dataset = array_dataset(images, batch_size, seed=seed, labels=labels.astype(np.int32)).repeat()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)  # the pipeline shuffles
    return model


def classifier_accuracy(model: keras.Model, images, labels, batch_size: int = 2000) -> float:
    """The share of ``images`` that ``model`` (logits) puts in their class ``labels``."""
    images = np.asarray(images, dtype=np.float32)
    logits = np.concatenate([keras.ops.convert_to_numpy(model(images[i:i + batch_size], training=False))
                             for i in range(0, len(images), batch_size)])
    return float(np.mean(logits.argmax(axis=1) == np.asarray(labels)))


def classification_accuracy_score(generated_images, generated_labels, test_images, test_labels, steps: int = 1000,
                                  batch_size: int = 64, seed: int = 0) -> float:
    """CAS (Ravuri and Vinyals, 2019): test accuracy on real images of a classifier trained on generated ones only.

    A generator whose class-y images look like class y *and* cover class y's variety gives a CAS
    near that of a classifier trained on as many real images; one that draws few, typical images
    per class gives a low CAS even when every image looks right.
    """
    model = train_classifier(generated_images, generated_labels, steps=steps, batch_size=batch_size, seed=seed)
    return classifier_accuracy(model, test_images, test_labels)


def label_agreement(generated_images, generated_labels, dataset: str = "mnist") -> float:
    """The share of generated images that the shipped classifier of ``dataset`` puts in the class they were
    generated for: does G(z, y) draw class y?"""
    from ganlab.metrics.fidelity import features_and_probabilities

    _, probabilities = features_and_probabilities(generated_images, dataset)
    return float(np.mean(probabilities.argmax(axis=1) == np.asarray(generated_labels)))


def per_class_frechet_distance(generated_images, generated_labels, real_images, real_labels,
                               dataset: str = "mnist") -> np.ndarray:
    """The Fréchet distance of each class's generated images to that class's real ones: shape (K,).

    Features from the shipped classifier of ``dataset`` (as ``metrics.frechet_distance``). Compare
    classes at equal numbers of images: FD's bias grows as n falls (notebook 05).
    """
    from ganlab.metrics.fidelity import frechet_distance_features, image_features

    generated_labels, real_labels = np.asarray(generated_labels), np.asarray(real_labels)
    generated = image_features(generated_images, dataset)
    real = image_features(real_images, dataset)
    classes = np.unique(real_labels)
    missing = sorted(set(classes.tolist()) - set(np.unique(generated_labels).tolist()))
    if missing:
        raise ValueError(f"generated_labels has no images of classes {missing}: generate every class.")
    return np.array([frechet_distance_features(generated[generated_labels == c], real[real_labels == c])
                     for c in classes])


class Stopwatch:
    """CPU seconds (``time.process_time``) and wall-clock seconds since creation, for the benchmark's records."""

    def __init__(self):
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def elapsed(self) -> dict:
        return {"cpu_seconds": time.process_time() - self.cpu, "wall_seconds": time.perf_counter() - self.wall}
