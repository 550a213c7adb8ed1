"""Class-conditional networks, the semi-supervised discriminator, and a small classifier (notebook 06).

* ``conditional_generator``: G(z, y). The label y is looked up in a learned embedding
  table and joined to the noise z before the DCGAN body (Mirza and Osindero, 2014).
* ``conditional_discriminator``: D(x, y), one logit. Two ways of showing D the label:

  - ``"concat"``: the label's embedding, shaped as one extra image channel, is
    concatenated to the image at the input (the simplest conditioning);
  - ``"projection"`` (Miyato and Koyama, 2018): with phi(x) D's feature vector,
    D(x, y) = psi(phi(x)) + <e_y, phi(x)>, where psi is a linear map to one logit and
    e_y a learned embedding of the class. The label enters as an inner product at the
    very end, which is what the optimal discriminator's log-density ratio looks like
    for class-conditional distributions in the log-linear model of the paper.

* ``semi_supervised_discriminator``: K class logits l_1..l_K for the K real classes.
  The K+1-th class, "generated", gets the logit 0, fixed (Salimans et al., 2016):
  softmax over K+1 logits is unchanged by adding a constant to all of them, so one of
  them can be pinned. Then P(real | x) = Z / (Z + 1) with Z = sum_k exp(l_k). It also
  returns the last hidden layer's features, which feature matching compares.
* ``small_classifier``: the classifier of the scarce-label comparison, optionally
  with classic augmentation (random shifts, rotations and zooms) in front.
"""
from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from ganlab._checks import int_sequence, one_of, positive_float, positive_int, shape
from ganlab.models.dcgan import base_size, generator_body, judge_arguments, judge_body, weight_init

KINDS = ("projection", "concat")


def _label_input(name: str = "labels"):
    return keras.Input(shape=(), dtype="int32", name=name)


def conditional_generator(num_classes: int = 10, latent_dim: int = 64, image_shape=(28, 28, 1), width: int = 32,
                          embedding_dim: int = 32, upsamplings: int = 2, kernel_size: int = 4,
                          name: str = "conditional_generator") -> keras.Model:
    """G(z, y): inputs [noise (batch, latent_dim), labels (batch,) int] -> images (batch, *image_shape) in [-1, 1].

    The label's embedding (a learned (num_classes, embedding_dim) table) is concatenated
    to z; the rest is :func:`ganlab.models.dcgan_generator`'s body: Dense -> BN -> ReLU,
    reshaped to a small image, then stride-2 transposed convolutions to tanh.
    """
    num_classes = positive_int("num_classes", num_classes, minimum=2, example=10)
    latent_dim = positive_int("latent_dim", latent_dim, example=64)
    image_shape = shape("image_shape", image_shape, ndim=(3,))
    width = positive_int("width", width, example=32)
    embedding_dim = positive_int("embedding_dim", embedding_dim, example=32)
    upsamplings = positive_int("upsamplings", upsamplings, example=2)
    kernel_size = positive_int("kernel_size", kernel_size, example=4)
    base_size(image_shape, upsamplings)  # a clear error for a size the upsamplings cannot reach
    noise = keras.Input(shape=(latent_dim,), name="noise")
    labels = _label_input()
    embedded = layers.Embedding(num_classes, embedding_dim, name="label_embedding")(labels)  # (batch, embedding_dim)
    x = layers.Concatenate(name="noise_and_label")([noise, embedded])
    images = generator_body(x, image_shape, width, upsamplings, kernel_size)
    model = keras.Model([noise, labels], images, name=name)
    return model


def conditional_discriminator(kind: str = "projection", num_classes: int = 10, image_shape=(28, 28, 1),
                              width: int = 32, downsamplings: int = 2, kernel_size: int = 4, dropout: float = 0.0,
                              name: str | None = None) -> keras.Model:
    """D(x, y): inputs [images (batch, *image_shape), labels (batch,) int] -> logits (batch, 1).

    The body is the DCGAN discriminator's (stride-2 convolutions, LeakyReLU(0.2), batch
    norm after the first), flattened to phi(x) (the layer named ``"features"``).

    * ``kind="projection"``: logit = psi(phi(x)) + <e_y, phi(x)>; psi is the Dense layer
      ``"psi"``, e_y a row of the Embedding ``"class_embedding"`` (num_classes, dim phi).
    * ``kind="concat"``: a learned (num_classes, H * W) embedding of y, reshaped to an
      (H, W, 1) map, is concatenated to the image as an extra channel; logit = psi(phi(x, y)).
    """
    kind = one_of("kind", kind, KINDS)
    num_classes = positive_int("num_classes", num_classes, minimum=2, example=10)
    image_shape, width, downsamplings, kernel_size, dropout = judge_arguments(image_shape, width, downsamplings,
                                                                                kernel_size, dropout)
    height, width_pixels, _ = image_shape

    images = keras.Input(shape=image_shape, name="images")
    labels = _label_input()
    x = images
    if kind == "concat":
        label_map = layers.Embedding(num_classes, height * width_pixels, name="label_map")(labels)
        label_map = layers.Reshape((height, width_pixels, 1))(label_map)
        x = layers.Concatenate(axis=-1, name="image_and_label")([images, label_map])
    x = judge_body(x, width, downsamplings, kernel_size, "batch", dropout)
    features = layers.Flatten(name="features")(x)  # phi(x), (batch, dim)
    logits = layers.Dense(1, dtype="float32", kernel_initializer=weight_init(), name="psi")(features)
    if kind == "projection":
        embedded = layers.Embedding(num_classes, features.shape[-1], embeddings_initializer=weight_init(),
                                    name="class_embedding")(labels)  # e_y, (batch, dim)
        projection = layers.Dot(axes=1, name="projection")([embedded, features])  # <e_y, phi(x)>, (batch, 1)
        logits = layers.Add(name="logit", dtype="float32")([logits, projection])
    return keras.Model([images, labels], logits, name=name or f"{kind}_discriminator")


@keras.saving.register_keras_serializable(package="ganlab")
class WeightNormDense(layers.Layer):
    """A dense layer with weight normalisation (Salimans and Kingma, 2016): y = g * (x v / ||v||) + b.

    Each output unit's weight vector v is divided by its norm and scaled by g. With
    ``train_scale=False`` (the hidden layers of Salimans et al.'s MNIST discriminator) g is set
    once, by :func:`initialize_weight_norm`, and then kept: every unit's weights keep a fixed
    norm, a strong limit on how sharply D can fit a hundred labelled images.
    """

    def __init__(self, units: int, activation=None, train_scale: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int("units", units, example=250)
        self.activation = keras.activations.get(activation)
        self.train_scale = bool(train_scale)

    def build(self, input_shape):
        self.direction = self.add_weight(shape=(input_shape[-1], self.units), name="direction",
                                         initializer=keras.initializers.RandomNormal(stddev=0.05))
        self.scale = self.add_weight(shape=(self.units,), initializer="ones", trainable=self.train_scale,
                                     name="scale")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def normalised(self, x):
        """x v / ||v||, before the scale, the bias and the activation: (batch, units)."""
        return ops.matmul(x, self.direction / ops.sqrt(ops.sum(ops.square(self.direction), axis=0, keepdims=True)))

    def call(self, x):
        return self.activation(self.normalised(x) * self.scale + self.bias)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "train_scale": self.train_scale,
                "activation": keras.activations.serialize(self.activation)}


def initialize_weight_norm(model: keras.Model, images) -> None:
    """Data-dependent initialisation (Salimans and Kingma, 2016): each ``WeightNormDense`` layer, first to last,
    gets g = 1 / std and b = -mean / std of its normalised pre-activations on ``images`` (noise off), so that
    every unit starts with mean 0 and variance 1 on real data."""
    for layer in model.layers:
        if isinstance(layer, WeightNormDense):
            inputs = keras.Model(model.inputs, layer.input)([np.asarray(images, np.float32)], training=False)
            pre = ops.convert_to_numpy(layer.normalised(inputs))
            mean, std = pre.mean(axis=0), pre.std(axis=0) + 1e-6
            layer.scale.assign(1.0 / std)
            layer.bias.assign(-mean / std)


def semi_supervised_discriminator(num_classes: int = 10, image_shape=(28, 28, 1),
                                  hidden_units=(1000, 500, 250, 250, 250), input_noise: float = 0.3,
                                  hidden_noise: float = 0.5, weight_norm: bool = True,
                                  name: str = "semi_supervised_discriminator") -> keras.Model:
    """The K+1-class discriminator of Salimans et al. (2016): images -> [class logits (batch, K), features].

    An MLP as in the paper's MNIST model: the image is flattened and mapped back to
    [0, 1] pixels, Gaussian noise of standard deviation ``input_noise`` is added (during
    training only), then each hidden layer is Dense -> ReLU -> Gaussian noise of
    ``hidden_noise``; with ``weight_norm`` (the paper's choice) the layers are :class:`WeightNormDense`,
    whose scales :func:`initialize_weight_norm` sets from a batch of images before training
    (call it once before training). The outputs are the K class logits l_1..l_K (the logit of the
    K+1-th class, "generated", is the constant 0, not an output) and the last hidden
    layer's activations (batch, hidden_units[-1]), before their noise, for feature matching.
    """
    num_classes = positive_int("num_classes", num_classes, minimum=2, example=10)
    image_shape = shape("image_shape", image_shape)
    hidden_units = int_sequence("hidden_units", hidden_units)
    input_noise = positive_float("input_noise", input_noise, allow_zero=True)
    hidden_noise = positive_float("hidden_noise", hidden_noise, allow_zero=True)

    images = keras.Input(shape=image_shape, name="images")
    x = layers.Flatten()(images)
    x = layers.Rescaling(0.5, offset=0.5)(x)  # [-1, 1] -> [0, 1], the scale the paper's noise levels are for
    if input_noise:
        x = layers.GaussianNoise(input_noise)(x)
    for i, units in enumerate(hidden_units):
        x = WeightNormDense(units, "relu")(x) if weight_norm else layers.Dense(units, activation="relu")(x)
        features = x
        if hidden_noise:
            x = layers.GaussianNoise(hidden_noise)(x)
    if weight_norm:
        logits = WeightNormDense(num_classes, train_scale=True, dtype="float32", name="class_logits")(x)
    else:
        logits = layers.Dense(num_classes, dtype="float32", name="class_logits")(x)
    features = layers.Activation("linear", dtype="float32", name="features")(features)
    return keras.Model(images, [logits, features], name=name)


def semi_supervised_generator(latent_dim: int = 100, image_shape=(28, 28, 1), hidden_units=(500, 500),
                              weight_norm: bool = False, name: str = "semi_supervised_generator") -> keras.Model:
    """The generator of Salimans et al.'s MNIST model: noise (batch, latent_dim) -> images in [-1, 1].

    Dense -> batch norm -> softplus for each hidden layer, then Dense -> tanh, reshaped to ``image_shape``.
    With ``weight_norm`` the output layer is a :class:`WeightNormDense` with a trained scale (starting at 1),
    as in the authors' code.
    """
    if not isinstance(weight_norm, bool):
        raise TypeError(f"weight_norm must be True or False, got {weight_norm!r}.")
    latent_dim = positive_int("latent_dim", latent_dim, example=100)
    image_shape = shape("image_shape", image_shape)
    hidden_units = int_sequence("hidden_units", hidden_units)
    noise = keras.Input(shape=(latent_dim,), name="noise")
    x = noise
    for units in hidden_units:
        x = layers.Dense(units, use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("softplus")(x)
    size = 1
    for n in image_shape:
        size *= n
    x = WeightNormDense(size, train_scale=True)(x) if weight_norm else layers.Dense(size)(x)
    x = layers.Activation("tanh", dtype="float32")(x)
    images = layers.Reshape(image_shape)(x)
    return keras.Model(noise, images, name=name)


def classic_augmentation(shift: float = 0.1, rotation_degrees: float = 10.0, zoom: float = 0.1,
                         seed: int | None = None, name: str = "augmentation") -> keras.Sequential:
    """Random shifts (fraction of the size), rotations (degrees) and zooms, in training only.

    Keras' preprocessing layers, filling uncovered pixels with -1 (the background of
    images in [-1, 1]). At inference the layers pass images through unchanged.
    """
    shift = positive_float("shift", shift, allow_zero=True, maximum=0.5)
    rotation_degrees = positive_float("rotation_degrees", rotation_degrees, allow_zero=True, maximum=180)
    zoom = positive_float("zoom", zoom, allow_zero=True, maximum=0.9)
    fill = dict(fill_mode="constant", fill_value=-1.0, seed=seed)
    return keras.Sequential([
        layers.RandomTranslation(shift, shift, **fill),
        layers.RandomRotation(rotation_degrees / 360.0, **fill),
        layers.RandomZoom(zoom, zoom, **fill),
    ], name=name)


def small_classifier(num_classes: int = 10, image_shape=(28, 28, 1), width: int = 32, dropout: float = 0.5,
                     augment: bool = False, seed: int | None = None, name: str = "small_classifier") -> keras.Model:
    """The classifier of the scarce-label comparison: images (batch, *image_shape) -> logits (batch, num_classes).

    [classic augmentation ->] Conv(width, 3) -> ReLU -> MaxPool -> Conv(2 width, 3) -> ReLU -> MaxPool
    -> Flatten -> Dropout -> Dense(4 width) -> ReLU -> Dropout -> Dense(num_classes). Logits, not probabilities.
    """
    num_classes = positive_int("num_classes", num_classes, minimum=2, example=10)
    image_shape = shape("image_shape", image_shape, ndim=(3,))
    width = positive_int("width", width, example=32)
    dropout = positive_float("dropout", dropout, allow_zero=True, maximum=0.95)
    images = keras.Input(shape=image_shape, name="images")
    x = classic_augmentation(seed=seed)(images) if augment else images
    x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(2 * width, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout, seed=seed)(x)
    x = layers.Dense(4 * width, activation="relu")(x)
    x = layers.Dropout(dropout, seed=seed)(x)
    logits = layers.Dense(num_classes, dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)


def projection_logit(features, psi_kernel, psi_bias, class_embedding, labels):
    """D's projection output computed by hand: phi @ w + b + sum_j e_{y, j} phi_j (for tests and notebook 06).

    Args:
        features: phi(x), (batch, dim); psi_kernel (dim, 1), psi_bias (1,); class_embedding (K, dim);
        labels (batch,) ints. Returns logits (batch, 1).
    """
    embedded = ops.take(class_embedding, ops.cast(labels, "int32"), axis=0)
    return ops.matmul(features, psi_kernel) + psi_bias + ops.sum(embedded * features, axis=1, keepdims=True)
