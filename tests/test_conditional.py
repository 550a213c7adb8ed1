"""Conditional and semi-supervised GANs: builders, the projection's maths, the K+1 loss, scarce-label splits, training."""
import keras
import numpy as np
import pytest

from ganlab import losses, training
from ganlab.metrics import classification
from ganlab import data, models


def small_cgan(kind="projection", seed=0, ema_decay=None):
    keras.utils.set_random_seed(seed)  # the same initial weights for runs that are compared
    generator = models.conditional_generator(num_classes=3, latent_dim=8, width=8, embedding_dim=4)
    discriminator = models.conditional_discriminator(kind, num_classes=3, width=8)
    gan = training.ConditionalGAN(generator, discriminator, seed=seed, ema_decay=ema_decay)
    gan.compile()
    return gan


def tiny_labelled(n=32, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (n, 28, 28, 1)).astype("float32")
    labels = (np.arange(n) % 3).astype("int32")
    return images, labels


# -- builders ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["projection", "concat"])
def test_conditional_networks_shapes(kind):
    generator = models.conditional_generator(num_classes=3, latent_dim=8, width=8)
    discriminator = models.conditional_discriminator(kind, num_classes=3, width=8)
    images = keras.ops.convert_to_numpy(generator([np.zeros((5, 8), "float32"), np.array([0, 1, 2, 0, 1])]))
    assert images.shape == (5, 28, 28, 1)
    assert tuple(discriminator([images, np.array([0, 1, 2, 0, 1])]).shape) == (5, 1)


def test_label_changes_the_generated_image():
    generator = models.conditional_generator(num_classes=3, latent_dim=8, width=8)
    noise = np.ones((2, 8), "float32")
    out = keras.ops.convert_to_numpy(generator([noise, np.array([0, 1])], training=False))
    assert np.abs(out[0] - out[1]).max() > 1e-4


def test_builders_name_the_bad_parameter():
    with pytest.raises(ValueError, match="kind"):
        models.conditional_discriminator("hinge")
    with pytest.raises(ValueError, match="num_classes"):
        models.conditional_generator(num_classes=1)
    with pytest.raises(ValueError, match="hidden_units"):
        models.semi_supervised_discriminator(hidden_units=())
    with pytest.raises(ValueError, match="dropout"):
        models.small_classifier(dropout=2.0)


def test_projection_discriminator_is_psi_plus_inner_product():
    discriminator = models.conditional_discriminator("projection", num_classes=3, width=8)
    rng = np.random.default_rng(1)
    embedding = discriminator.get_layer("class_embedding")
    embedding.set_weights([rng.normal(size=embedding.get_weights()[0].shape).astype("float32")])
    images = rng.uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    labels = np.array([0, 1, 2, 1])
    features_model = keras.Model(discriminator.inputs, discriminator.get_layer("features").output)
    features = keras.ops.convert_to_numpy(features_model([images, labels], training=False))
    kernel, bias = discriminator.get_layer("psi").get_weights()
    table = embedding.get_weights()[0]
    by_hand = features @ kernel + bias + (table[labels] * features).sum(axis=1, keepdims=True)
    logits = keras.ops.convert_to_numpy(discriminator([images, labels], training=False))
    assert np.allclose(logits, by_hand, rtol=1e-4, atol=1e-4)
    assert np.allclose(keras.ops.convert_to_numpy(models.projection_logit(features, kernel, bias, table, labels)),
                       by_hand, rtol=1e-5, atol=1e-5)
    # the label acts only through <e_y - e_y', phi(x)>
    other = keras.ops.convert_to_numpy(discriminator([images, np.array([1, 1, 1, 1])], training=False))
    expected = ((table[labels] - table[1]) * features).sum(axis=1, keepdims=True)
    assert np.allclose(logits - other, expected, rtol=1e-4, atol=1e-4)


def test_semi_supervised_discriminator_outputs_logits_and_features():
    discriminator = models.semi_supervised_discriminator(num_classes=10, hidden_units=(20, 16))
    logits, features = discriminator(np.zeros((3, 28, 28, 1), "float32"))
    assert tuple(logits.shape) == (3, 10) and tuple(features.shape) == (3, 16)
    generator = models.semi_supervised_generator(latent_dim=8, hidden_units=(16,))
    assert tuple(generator(np.zeros((2, 8), "float32")).shape) == (2, 28, 28, 1)


def test_small_classifier_augments_in_training_only():
    classifier = models.small_classifier(width=4, augment=True, dropout=0.0, seed=0)
    images = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    a = keras.ops.convert_to_numpy(classifier(images, training=False))
    b = keras.ops.convert_to_numpy(classifier(images, training=False))
    assert a.shape == (2, 10) and np.allclose(a, b)
    augmented = keras.ops.convert_to_numpy(models.classic_augmentation(seed=1)(images, training=True))
    assert augmented.shape == images.shape and not np.allclose(augmented, images)


# -- the K+1 loss on hand-computed logits -----------------------------------------------------------------------

def test_semi_supervised_loss_matches_hand_computation():
    labelled = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]], "float32")
    labels = np.array([0, 2])
    real = np.array([[1.0, 2.0, 0.0], [-3.0, -3.0, -3.0]], "float32")
    fake = np.array([[0.0, 0.0, 0.0], [-2.0, 1.0, 0.5]], "float32")

    def lse(a):
        return np.log(np.exp(a.astype(np.float64)).sum(axis=1))

    supervised = np.mean(lse(labelled) - labelled[[0, 1], labels])
    # D(x) = Z / (Z + 1): -log D(x) = log(1 + Z) - log Z; -log(1 - D(G(z))) = log(1 + Z)
    unsupervised = np.mean(np.log1p(np.exp(lse(real))) - lse(real)) + np.mean(np.log1p(np.exp(lse(fake))))
    got = float(losses.semi_supervised_discriminator_loss(labelled, labels, real, fake, unsupervised_weight=0.5))
    assert got == pytest.approx(supervised + 0.5 * unsupervised, rel=1e-5)
    assert float(losses.supervised_loss(labelled, labels)) == pytest.approx(supervised, rel=1e-5)
    probability = keras.ops.convert_to_numpy(losses.real_probability(fake))
    assert probability[0] == pytest.approx(3 / 4, rel=1e-6)  # Z = 3, P(real) = 3 / (3 + 1)


def test_feature_matching_is_zero_for_equal_means():
    a = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
    assert float(losses.feature_matching_loss(a, a[::-1])) == pytest.approx(0.0, abs=1e-7)
    assert float(losses.feature_matching_loss(a, a + 1.0)) == pytest.approx(1.0, rel=1e-6)


# -- scarce labels ----------------------------------------------------------------------------------------------

def test_labels_per_class_is_exact_disjoint_and_seeded():
    labels = np.repeat(np.arange(10), 30)
    np.random.default_rng(0).shuffle(labels)
    labelled, unlabelled = data.labels_per_class(labels, 7, seed=3)
    assert np.array_equal(np.bincount(labels[labelled], minlength=10), np.full(10, 7))
    assert len(np.intersect1d(labelled, unlabelled)) == 0 and len(labelled) + len(unlabelled) == len(labels)
    again, _ = data.labels_per_class(labels, 7, seed=3)
    other, _ = data.labels_per_class(labels, 7, seed=4)
    assert np.array_equal(labelled, again) and not np.array_equal(labelled, other)


def test_labels_per_class_errors_name_the_problem():
    labels = np.array([0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="class 0 has only 2"):
        data.labels_per_class(labels, 3)
    with pytest.raises(TypeError, match="integers"):
        data.labels_per_class(labels.astype(float), 1)
    with pytest.raises(ValueError, match="n"):
        data.labels_per_class(labels, 0)


def test_semi_supervised_dataset_draws_from_both_sets():
    images, labels = tiny_labelled(40)
    few, few_labels = images[:6], labels[:6]
    dataset = data.semi_supervised_dataset(images, few, few_labels, batch_size=10, labelled_batch_size=4, seed=0)
    batches = list(dataset)
    assert len(batches) == 4
    unlabelled, labelled, got_labels = batches[0]
    assert unlabelled.shape == (10, 28, 28, 1) and labelled.shape == (4, 28, 28, 1) and got_labels.shape == (4,)
    seen = np.concatenate([b[2].numpy() for b in batches])
    assert set(seen.tolist()) <= set(few_labels.tolist())
    # every labelled image drawn is one of the few, with its own label
    for _, labelled, got_labels in batches:
        for image, label in zip(labelled.numpy(), got_labels.numpy()):
            match = np.flatnonzero(np.all(few == image, axis=(1, 2, 3)))
            assert len(match) == 1 and few_labels[match[0]] == label


# -- training ---------------------------------------------------------------------------------------------------

def test_conditional_gan_trains_samples_and_checks_its_data():
    images, labels = tiny_labelled()
    gan = small_cgan()
    history = gan.fit(data.array_dataset(images, 8, labels=labels), epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1]) and int(gan.step_counter.numpy()) == 4
    samples = gan.sample(6, labels=[0, 1, 2, 0, 1, 2])
    assert samples.shape == (6, 28, 28, 1) and np.abs(samples).max() <= 1
    assert np.allclose(gan.sample(3, seed=1, labels=2), gan.sample(3, seed=1, labels=2))
    assert gan.discriminate(images[:4], labels[:4]).shape == (4,)
    with pytest.raises(TypeError, match="labels"):
        gan.fit(data.array_dataset(images, 8), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="num_classes=3"):
        gan.fit(data.array_dataset(images, 8, labels=labels + 5), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="labels must lie"):
        gan.sample(2, labels=[0, 7])


def test_conditional_gan_rejects_unconditional_networks():
    with pytest.raises(ValueError, match="two inputs"):
        training.ConditionalGAN(models.dcgan_generator(latent_dim=8, width=8),
                                   models.conditional_discriminator(num_classes=3, width=8))


def test_conditional_gan_resumes_with_backup_and_restore(tmp_path):
    images, labels = tiny_labelled()
    dataset = data.array_dataset(images, 8, labels=labels)
    straight = small_cgan(ema_decay=0.9)
    straight.fit(dataset, epochs=2, verbose=0)

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                raise KeyboardInterrupt

    backup = str(tmp_path / "backup")
    interrupted = small_cgan(ema_decay=0.9)
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(dataset, epochs=2, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup), Interrupt()])
    resumed = small_cgan(ema_decay=0.9)
    resumed.fit(dataset, epochs=2, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert int(resumed.step_counter.numpy()) == int(straight.step_counter.numpy()) == 8
    assert np.allclose(resumed.sample(4, labels=[0, 1, 2, 0]), straight.sample(4, labels=[0, 1, 2, 0]), atol=1e-4)


def test_semi_supervised_gan_trains_and_uses_a_given_loss():
    images, labels = tiny_labelled(40)
    dataset = data.semi_supervised_dataset(images, images[:6], labels[:6], batch_size=10, seed=0)
    def flat_loss(labelled_logits, labels, unlabelled_logits, fake_logits):  # zero gradient: D must not move
        return 0.0 * losses.semi_supervised_discriminator_loss(labelled_logits, labels, unlabelled_logits, fake_logits)

    moved = {}
    for name, given in (("default", None), ("flat", flat_loss)):
        gan = training.SemiSupervisedGAN(models.semi_supervised_generator(latent_dim=8, hidden_units=(16,)),
                                         models.semi_supervised_discriminator(num_classes=3, hidden_units=(16, 8)),
                                         discriminator_loss=given, seed=0)
        gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
        before = [w.numpy().copy() for w in gan.discriminator.trainable_weights]
        history = gan.fit(dataset, epochs=2, verbose=0)
        moved[name] = max(np.abs(w.numpy() - b).max() for w, b in zip(gan.discriminator.trainable_weights, before))
    assert moved["default"] > 1e-4 and moved["flat"] == 0.0  # the given loss is the one D descends
    assert int(gan.step_counter.numpy()) == 8
    assert {"supervised", "unsupervised", "labelled_accuracy"} <= set(history.history)
    logits = gan.class_logits(images)
    assert np.array_equal(gan.classify(images), logits.argmax(axis=1))
    assert gan.accuracy(images, labels) == pytest.approx(np.mean(logits.argmax(axis=1) == labels))
    lse = np.log(np.exp(logits.astype(np.float64)).sum(axis=1))
    np.testing.assert_allclose(gan.discriminate(images), 1 / (1 + np.exp(-lse)), rtol=1e-6)
    with pytest.raises(TypeError, match="unlabelled"):
        gan.fit(data.array_dataset(images, 8, labels=labels), epochs=1, verbose=0)


def test_classifier_helpers_and_per_class_fd():
    images, labels = tiny_labelled(30)
    labels = (np.arange(30) % 10).astype("int32")
    model = classification.train_classifier(images, labels, steps=3, batch_size=10, augment=True, width=4)
    predicted = keras.ops.convert_to_numpy(model(images, training=False)).argmax(axis=1)
    assert classification.classifier_accuracy(model, images, labels, batch_size=7) == pytest.approx(
        np.mean(predicted == labels))
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (60, 28, 28, 1)).astype("float32")
    real_labels = np.repeat([0, 1], 30)
    distances = classification.per_class_frechet_distance(real, real_labels, real, real_labels)
    assert distances.shape == (2,) and np.all(np.abs(distances) < 1e-3)
    with pytest.raises(ValueError, match="classes"):
        classification.per_class_frechet_distance(real[:30], real_labels[:30], real, real_labels)
