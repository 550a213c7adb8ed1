"""CycleGAN (ganlab.training.cyclegan), its losses, the single-image PatchGAN and the unpaired domains."""
import keras
import numpy as np
import pytest

import ganlab
from ganlab import data, losses, models
from ganlab.training import CycleGAN

SHAPE = (8, 8, 1)


def networks(shape_a=SHAPE, shape_b=SHAPE):
    return (models.unet_generator(shape_a, out_channels=shape_b[-1], width=4, name="g_ab"),
            models.unet_generator(shape_b, out_channels=shape_a[-1], width=4, name="g_ba"),
            models.patch_discriminator(shape_a, width=4, name="d_a"),
            models.patch_discriminator(shape_b, width=4, name="d_b"))


def tiny(seed=0, eager=True, **kwargs):
    """A CycleGAN of 8x8 images; eager by default, so that a short fit costs no tracing of the four-network step."""
    model = CycleGAN(*networks(), seed=seed, **kwargs)
    model.compile(run_eagerly=eager)
    return model


def domains(n=32, seed=0):
    """Two unpaired toy domains: A smooth blobs, B their negatives, drawn independently."""
    rng = np.random.default_rng(seed)
    a = np.tanh(rng.normal(0, 1, (n, 8, 8, 1))).astype(np.float32)
    b = -np.tanh(rng.normal(0, 1, (n, 8, 8, 1))).astype(np.float32)
    return a, b


def unpaired_batches(n=32, batch_size=8, seed=0):
    a, b = domains(n, seed)
    return data.unpaired_dataset(a, b, batch_size=batch_size, seed=seed)


# -- losses ------------------------------------------------------------------------------------------------

def test_cycle_gan_losses_on_hand_computed_cases():
    real_a, real_b = np.zeros((2, 2, 2, 1), np.float32), np.ones((2, 2, 2, 1), np.float32)
    cycled_a = np.full_like(real_a, 0.5)  # |0.5 - 0| = 0.5 everywhere
    cycled_b = real_b.copy()
    cycled_b[0, 0, 0, 0] = -1.0  # one pixel of eight off by 2: mean 0.25
    assert float(losses.cycle_consistency_loss(real_a, cycled_a, real_b, cycled_b)) == pytest.approx(0.75)
    assert float(losses.identity_loss(real_a, cycled_a, real_b, real_b)) == pytest.approx(0.5)
    real, fake = np.array([[1.0], [0.0]]), np.array([[0.0], [1.0]])
    # D: 1/2 mean (s_r - 1)^2 + 1/2 mean s_f^2 = 1/2 * 1/2 + 1/2 * 1/2
    assert float(losses.least_squares_discriminator_loss(real, fake)) == pytest.approx(0.5)
    assert float(losses.least_squares_discriminator_loss(np.ones(4), np.zeros(4))) == pytest.approx(0.0)
    assert float(losses.least_squares_generator_loss(np.array([1.0, 3.0, -1.0]))) == pytest.approx((0 + 4 + 4) / 3)


def test_patch_discriminator_judges_one_image():
    d = models.patch_discriminator((28, 28, 1), width=8)
    assert d.output_shape == (None, 7, 7, 1) and len(d.inputs) == 1
    with pytest.raises(ValueError, match="downsamplings"):
        models.patch_discriminator((30, 30, 1), width=8)


# -- the model ---------------------------------------------------------------------------------------------

def test_networks_that_do_not_fit_are_named():
    g_ab, g_ba, d_a, d_b = networks()
    with pytest.raises(ValueError, match="generator_ba"):
        CycleGAN(g_ab, models.unet_generator((8, 8, 2), width=4), d_a, d_b)
    with pytest.raises(ValueError, match="discriminator_b"):
        CycleGAN(g_ab, g_ba, d_a, models.patch_discriminator((16, 16, 1), width=4))
    with pytest.raises(ValueError, match="discriminator_a"):
        CycleGAN(g_ab, g_ba, models.patchgan_discriminator(SHAPE, SHAPE, width=4), d_b)
    with pytest.raises(TypeError, match="generator_ab"):
        CycleGAN("unet", g_ba, d_a, d_b)
    with pytest.raises(ValueError, match="cycle_weight"):
        CycleGAN(g_ab, g_ba, d_a, d_b, cycle_weight=-1)
    with pytest.raises(TypeError, match="cycle_loss"):
        CycleGAN(g_ab, g_ba, d_a, d_b, cycle_loss=3)
    with pytest.raises(ValueError, match="ema_decay"):
        CycleGAN(g_ab, g_ba, d_a, d_b, ema_decay=0.999)


@pytest.fixture(scope="module")
def trained():
    """One CycleGAN trained in graph mode (48 steps), with its weights before training: shared by the tests below."""
    ganlab.seed(1)
    model = CycleGAN(*networks(), seed=1)
    model.compile(keras.optimizers.Adam(2e-3, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5))
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(unpaired_batches(n=64), epochs=6, verbose=0).history
    return model, before, history


def test_four_networks_are_trained_and_every_term_logged(trained):
    model, before, history = trained
    assert model.generator_ab is model.generator and model.discriminator_b is model.discriminator
    assert len(model.networks()) == 4
    g_ab, g_ba = model.generator_ab, model.generator_ba
    assert len(model.generator_variables()) == len(g_ab.trainable_variables) + len(g_ba.trainable_variables)
    changed = [not np.allclose(b, a) for b, a in zip(before, model.get_weights())]
    for network in model.networks():  # every network's first kernel moved
        index = next(i for i, w in enumerate(model.weights) if w is network.trainable_variables[0])
        assert changed[index], network.name
    assert set(history) == {"d_loss", "g_loss", "g_gan", "cycle", "identity"}
    assert history["cycle"][-1] < 0.7 * history["cycle"][0]


def first_batch():
    a, b = next(iter(unpaired_batches()))
    return {"a": a, "b": b}


def test_without_identity_weight_no_identity_term_is_computed_or_logged():
    _, logs = tiny(identity_weight=0.0).generator_loss(first_batch())
    assert set(logs) == {"g_loss", "g_gan", "cycle"}
    _, logs = tiny().generator_loss(first_batch())
    assert "identity" in logs


def test_the_cycle_loss_passed_is_the_one_trained_with():
    calls = []

    def doubled(real_a, cycled_a, real_b, cycled_b):
        calls.append(1)
        return 2.0 * losses.cycle_consistency_loss(real_a, cycled_a, real_b, cycled_b)

    mine = tiny(seed=2, cycle_loss=doubled, cycle_weight=5.0)
    reference = tiny(seed=2, cycle_weight=10.0)
    reference.set_weights(mine.get_weights())
    batch = first_batch()
    mine_loss, mine_logs = mine.generator_loss(batch)
    reference_loss, reference_logs = reference.generator_loss(batch)
    assert float(mine_loss) == pytest.approx(float(reference_loss), rel=1e-5)  # 5 x (2 L_cyc) is 10 x L_cyc
    assert float(mine_logs["cycle"]) == pytest.approx(2 * float(reference_logs["cycle"]), rel=1e-5)
    calls.clear()
    mine.fit(unpaired_batches(n=16), epochs=1, verbose=0)
    assert len(calls) == 2  # once in each of the epoch's 2 steps


def test_translate_needs_a_direction_and_checks_shapes():
    model = tiny()
    a, b = domains(5)
    assert model.translate(a, direction="a_to_b").shape == (5, 8, 8, 1)
    np.testing.assert_allclose(model.translate(b, direction="b_to_a"),
                               keras.ops.convert_to_numpy(model.generator_ba(b, training=False)), atol=1e-6)
    with pytest.raises(ValueError, match="direction is missing"):
        model.translate(a)
    with pytest.raises(ValueError, match="direction must be one of"):
        model.translate(a, direction="forward")
    with pytest.raises(ValueError, match="shape"):
        model.translate(np.zeros((2, 28, 28, 1)), direction="a_to_b")
    with pytest.raises(TypeError, match="translate"):
        model.sample(4)


def test_fit_refuses_paired_data_and_wrong_shapes():
    model = tiny()
    a, _ = data.load_images("mnist", "test", limit=32)
    paired = data.array_dataset(a, 16, labels=data.outline(a))  # b_i made from a_i: pairs
    digits = CycleGAN(*networks((28, 28, 1), (28, 28, 1)))
    digits.compile()
    with pytest.raises(ValueError, match="looks paired.*Pix2Pix"):
        digits.fit(paired, verbose=0)
    rng = np.random.default_rng(0)
    digits.check_dataset(data.unpaired_dataset(a, data.outline(a[rng.permutation(32)]), 16))  # unpaired: accepted
    big = data.unpaired_dataset(np.zeros((16, 16, 16, 1), np.float32), np.zeros((16, 16, 16, 1), np.float32), 8)
    with pytest.raises(ValueError, match="a images of shape"):
        model.fit(big, verbose=0)
    with pytest.raises(TypeError, match="a images, b images"):
        model.fit(data.array_dataset(domains(32)[0], 8), verbose=0)


def test_partner_share_tells_pairs_from_unpaired_batches():
    images, _ = data.load_images("mnist", "test", limit=32)
    assert data.partner_share(images, -images) == 1.0
    assert data.partner_share(images, data.outline(images)) > 0.5
    assert data.partner_share(images, data.marker(images)) > 0.5
    rng = np.random.default_rng(0)
    assert data.partner_share(images, data.marker(images[rng.permutation(32)])) < 0.3


def test_save_and_load_round_trip(trained, tmp_path):
    model = trained[0]
    path = str(tmp_path / "cyclegan.weights.h5")
    model.save_weights(path)
    restored = tiny(seed=3)
    restored.load_weights(path)
    for a, b in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(restored.step_counter.numpy()) == 48
    x = domains(4)[1]
    np.testing.assert_allclose(model.translate(x, direction="b_to_a"), restored.translate(x, direction="b_to_a"))


def test_backup_and_restore_resumes_like_an_uninterrupted_run(tmp_path):
    ganlab.seed(4)
    straight = tiny(seed=5)
    initial = straight.get_weights()
    straight.fit(unpaired_batches(n=16), epochs=2, verbose=0)

    backup = str(tmp_path / "backup")
    first = tiny(seed=5)
    first.set_weights(initial)
    first.fit(unpaired_batches(n=16), epochs=1, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    resumed = tiny(seed=5)  # a new process would build the model afresh
    resumed.fit(unpaired_batches(n=16), epochs=2, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert int(resumed.step_counter.numpy()) == int(straight.step_counter.numpy()) == 4  # two steps an epoch
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# -- the domains -----------------------------------------------------------------------------------------

def test_outline_is_hollow_and_fixed():
    image = -np.ones((1, 12, 12, 1), np.float32)
    image[0, 6, 3:9] = 1.0  # a horizontal stroke, one pixel thick
    b = data.outline(image)
    assert b[0, 6, 5, 0] == -1.0  # the stroke itself is hollow
    assert b[0, 4, 5, 0] == 1.0 and b[0, 8, 5, 0] == 1.0  # white two pixels above and below it
    assert b[0, 1, 5, 0] == -1.0  # and nothing further away
    np.testing.assert_array_equal(b, data.stylise(image, "outline"))
    with pytest.raises(ValueError, match="style"):
        data.stylise(image, "italic")


def test_marker_is_bold_dark_ink_on_white_and_fixed():
    image = -np.ones((1, 12, 12, 1), np.float32)
    image[0, 6, 3:9] = 1.0  # a horizontal stroke, one pixel thick
    image[0, 2, 2] = 0.0  # mid-grey is not ink
    b = data.marker(image)
    assert set(np.unique(b)) == {-1.0, 1.0}
    assert b[0, 6, 5, 0] == -1.0 and b[0, 5, 2, 0] == -1.0 and b[0, 7, 9, 0] == -1.0  # the stroke, 1 pixel wider
    assert b[0, 4, 5, 0] == 1.0 and b[0, 6, 10, 0] == 1.0 and b[0, 2, 2, 0] == 1.0  # white page elsewhere
    np.testing.assert_array_equal(b, data.stylise(image))  # the default style
    with pytest.raises(ValueError, match="images must have shape"):
        data.marker(image[..., 0])


def test_unpaired_dataset_orders_each_domain_by_itself():
    a = np.arange(16, dtype=np.float32).reshape(16, 1, 1, 1)
    dataset = data.unpaired_dataset(a, a + 100, batch_size=4, seed=0)
    batches = list(dataset)
    assert len(batches) == 4
    a_seen = np.concatenate([x.numpy().ravel() for x, _ in batches])
    b_seen = np.concatenate([y.numpy().ravel() for _, y in batches]) - 100
    assert sorted(a_seen) == list(range(16)) and sorted(b_seen) == list(range(16))
    assert np.mean(a_seen == b_seen) < 0.5  # not the same order: nothing keeps a_i with b_i
    data.set_epoch(dataset, 0)
    np.testing.assert_array_equal(np.concatenate([x.numpy().ravel() for x, _ in dataset]), a_seen)
    with pytest.raises(ValueError, match="batch_size"):
        data.unpaired_dataset(a, a, batch_size=32)


def test_unpaired_mnist_halves_are_disjoint_and_test_partners_are_true():
    train = data.unpaired_arrays("mnist", split="train", limit=400, seed=0)
    assert len(train["a"]) == len(train["b"]) == 200
    images, _ = data.load_images("mnist", "train", limit=400)
    order = np.random.default_rng(0).permutation(400)
    np.testing.assert_array_equal(train["a"], images[order[:200]])
    np.testing.assert_array_equal(train["b"], data.marker(images[order[200:]]))  # B: the other half, styled
    assert not set(order[:200].tolist()) & set(order[200:].tolist())
    test = data.unpaired_arrays("mnist", split="test", limit=50)
    np.testing.assert_array_equal(test["b"], data.marker(test["a"]))
    np.testing.assert_array_equal(test["a_labels"], test["b_labels"])
