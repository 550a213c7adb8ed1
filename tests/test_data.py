"""ganlab.data: toy mixtures, MNIST / Fashion-MNIST loaders, tf.data pipelines."""
import itertools
import shutil

import numpy as np
import pytest
import tensorflow as tf

from ganlab import data
from ganlab.data import images as images_module

# -- toy mixtures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [data.mixture_1d, data.ring, data.grid], ids=["1d", "ring", "grid"])
def test_samples_are_seeded_float32_and_shaped(make):
    mixture = make()
    a, b = mixture.sample(500, seed=3), mixture.sample(500, seed=3)
    assert a.shape == (500, mixture.dim) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, mixture.sample(500, seed=4))


def test_grid_defaults_are_the_25_gaussians_of_veegan_and_pacgan():
    grid = data.grid()
    assert grid.n_modes == 25 and grid.dim == 2 and grid.std == 0.05
    expected = set(itertools.product((-4.0, -2.0, 0.0, 2.0, 4.0), repeat=2))
    assert {tuple(c) for c in np.round(grid.centers, 12).tolist()} == expected
    np.testing.assert_allclose(grid.weights, np.full(25, 1 / 25))


def test_ring_defaults_are_8_modes_on_the_unit_circle():
    ring = data.ring()
    assert ring.n_modes == 8 and ring.dim == 2 and ring.std == 0.01
    np.testing.assert_allclose(np.linalg.norm(ring.centers, axis=1), 1.0)
    angles = np.sort(np.mod(np.arctan2(ring.centers[:, 1], ring.centers[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(np.diff(angles), 2 * np.pi / 8)
    points = ring.sample(4000, seed=0)
    np.testing.assert_allclose(np.linalg.norm(points, axis=1).mean(), 1.0, atol=0.005)


def test_grid_samples_lie_near_a_centre():
    grid = data.grid()
    points = grid.sample(2000, seed=0).astype(np.float64)
    distance = np.linalg.norm(points[:, None, :] - grid.centers[None], axis=2).min(axis=1)
    assert distance.max() < 0.05 * 6  # six standard deviations
    counts = np.bincount(np.linalg.norm(points[:, None, :] - grid.centers[None], axis=2).argmin(axis=1),
                         minlength=25)
    assert counts.min() > 0  # every mode is sampled


@pytest.mark.parametrize("weights", [None, (0.25, 0.75)])
def test_1d_density_integrates_to_one(weights):
    mixture = data.mixture_1d(means=(-2.0, 2.0), std=0.5, weights=weights)
    xs = np.linspace(-8, 8, 8001)
    assert np.trapezoid(mixture.density(xs), xs) == pytest.approx(1.0, abs=1e-6)
    assert mixture.density(xs).shape == xs.shape
    assert mixture.density(xs[:, None]).shape == xs.shape


def test_density_at_a_mode_by_hand():
    mixture = data.mixture_1d(means=(0.0,), std=0.5)
    assert mixture.density(np.array([0.0]))[0] == pytest.approx(1 / np.sqrt(2 * np.pi * 0.25))


def test_2d_density_integrates_to_one():
    ring = data.ring(std=0.1)
    axis = np.linspace(-1.6, 1.6, 321)
    xs, ys = np.meshgrid(axis, axis, indexing="ij")
    values = ring.density(np.stack([xs.ravel(), ys.ravel()], 1)).reshape(xs.shape)
    assert np.trapezoid(np.trapezoid(values, axis, axis=1), axis) == pytest.approx(1.0, abs=1e-3)


def test_sample_moments_match_the_mixture():
    mixture = data.mixture_1d(means=(-2.0, 2.0), std=0.5)
    points = mixture.sample(100_000, seed=0)
    assert points.mean() == pytest.approx(0.0, abs=0.03)
    assert points.std() == pytest.approx(np.sqrt(0.25 + 4.0), abs=0.02)  # within-mode + between-mode variance
    single = data.mixture_1d(means=(1.5,), std=0.5).sample(50_000, seed=1)
    assert single.mean() == pytest.approx(1.5, abs=0.01)
    assert single.std() == pytest.approx(0.5, abs=0.01)


def test_unequal_weights_are_respected():
    points = data.mixture_1d(means=(-2.0, 2.0), std=0.1, weights=(0.2, 0.8)).sample(20_000, seed=0)
    assert (points > 0).mean() == pytest.approx(0.8, abs=0.01)


def test_toy_dataset_batches():
    dataset = data.mixture_1d().dataset(batch_size=32, n_samples=320)
    batches = list(dataset)
    assert len(batches) == 10 == int(dataset.cardinality())
    assert all(b.shape == (32, 1) and b.dtype.name == "float32" for b in batches)


@pytest.mark.bad_input
@pytest.mark.parametrize("call, error, match", [
    (lambda: data.ring(n_modes=0), ValueError, "n_modes"),
    (lambda: data.ring(radius=-1.0), ValueError, "radius"),
    (lambda: data.grid(n_per_side=2.5), TypeError, "n_per_side"),
    (lambda: data.grid(spacing=0), ValueError, "spacing"),
    (lambda: data.mixture_1d(std=0), ValueError, "std"),
    (lambda: data.mixture_1d(std=float("nan")), ValueError, "std"),
    (lambda: data.mixture_1d(means=()), ValueError, "means"),
    (lambda: data.mixture_1d(means=(0.0, 1.0), weights=(0.5, 0.6)), ValueError, "weights"),
    (lambda: data.mixture_1d().sample(0), ValueError, "n must"),
    (lambda: data.ring().density(np.zeros((3, 3))), ValueError, r"x must have shape \(n, 2\)"),
], ids=["ring-n_modes-0", "ring-radius-neg", "grid-n_per_side-float", "grid-spacing-0", "std-0", "std-nan",
        "means-empty", "weights-sum", "sample-n-0", "density-shape"])
def test_toy_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- image files -------------------------------------------------------------------------------------


def test_load_mnist(mnist_path):
    images, labels = data.load_mnist("train", download=False)
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (60000,) and set(np.unique(labels).tolist()) == set(range(10))
    test_images, test_labels = data.load_mnist("test", download=False)
    assert test_images.shape == (10000, 28, 28) and test_labels.shape == (10000,)
    assert images.max() == 255 and images.min() == 0


def test_load_fashion_mnist(fashion_available):
    images, labels = data.load_fashion_mnist("train", download=False)
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (60000,) and set(np.unique(labels).tolist()) == set(range(10))
    assert np.bincount(labels).tolist() == [6000] * 10
    test_images, test_labels = data.load_fashion_mnist("test", download=False)
    assert test_images.shape == (10000, 28, 28) and test_labels.shape == (10000,)
    assert len(data.FASHION_CLASSES) == 10


def test_load_images_scales_and_filters(mnist_path):
    images, labels = data.load_images("mnist", classes=[0, 7], limit=300, download=False)
    assert images.shape == (300, 28, 28, 1) and images.dtype == np.float32
    assert images.min() == -1.0 and images.max() == 1.0
    assert set(np.unique(labels).tolist()) == {0, 7}


def test_to_unit_range():
    pixels = np.array([[[0, 255], [51, 127]]], np.uint8)
    scaled = data.to_unit_range(pixels)
    assert scaled.shape == (1, 2, 2, 1) and scaled.dtype == np.float32
    np.testing.assert_allclose(scaled[0, :, :, 0], [[-1.0, 1.0], [51 / 127.5 - 1, 127 / 127.5 - 1]])


def test_mnist_dataset_batches(mnist_path):
    dataset = data.mnist(batch_size=16, limit=64, download=False)
    assert int(dataset.cardinality()) == 4
    batch = next(iter(dataset))
    assert batch.shape == (16, 28, 28, 1) and batch.dtype.name == "float32"
    values = batch.numpy()
    assert values.min() >= -1.0 and values.max() <= 1.0 and values.min() == -1.0


def test_image_dataset_classes_filter(mnist_path):
    images, labels = data.load_mnist("train", download=False)
    dataset = data.image_dataset("mnist", batch_size=100, classes=[3], download=False)
    assert int(dataset.cardinality()) == int((labels == 3).sum()) // 100
    # the batches are 3s: closer to the mean image of the digit 3 than to that of the whole set
    threes, everything = images[labels == 3].mean(0) / 127.5 - 1, images.mean(0) / 127.5 - 1
    batch_mean = np.mean([b.numpy().mean(0) for b in itertools.islice(dataset, 5)], axis=0)[..., 0]
    assert np.abs(batch_mean - threes).mean() < 0.5 * np.abs(batch_mean - everything).mean()


def test_fashion_mnist_dataset(fashion_available):
    batch = next(iter(data.fashion_mnist(batch_size=8, classes=[9], limit=80, download=False)))
    assert batch.shape == (8, 28, 28, 1) and float(batch.numpy().min()) >= -1.0


# -- the epoch-keyed order ------------------------------------------------------------------------


def first_batch(epoch, seed=0):
    dataset = data.array_dataset(np.arange(64, dtype=np.float32)[:, None], batch_size=8, seed=seed)
    data.set_epoch(dataset, epoch)
    return next(iter(dataset)).numpy()


def test_same_epoch_same_order_across_fresh_datasets():
    np.testing.assert_array_equal(first_batch(3), first_batch(3))
    np.testing.assert_array_equal(first_batch(0, seed=5), first_batch(0, seed=5))


def test_epochs_and_seeds_give_different_orders():
    assert not np.array_equal(first_batch(3), first_batch(4))
    assert not np.array_equal(first_batch(3, seed=0), first_batch(3, seed=1))


def test_image_dataset_order_is_epoch_keyed(mnist_path):
    def first(epoch):
        dataset = data.mnist(batch_size=8, limit=256, seed=0, download=False)
        data.set_epoch(dataset, epoch)
        return next(iter(dataset)).numpy()

    np.testing.assert_array_equal(first(2), first(2))
    assert not np.array_equal(first(2), first(3))


def test_each_epoch_is_a_permutation_and_plain_iteration_moves_on():
    values = np.arange(40, dtype=np.float32)[:, None]
    dataset = data.array_dataset(values, batch_size=8, seed=0)
    data.set_epoch(dataset, 0)
    first = np.concatenate([b.numpy() for b in dataset])
    second = np.concatenate([b.numpy() for b in dataset])  # no set_epoch: the counter moved on by itself
    np.testing.assert_array_equal(np.sort(first[:, 0]), values[:, 0])
    np.testing.assert_array_equal(np.sort(second[:, 0]), values[:, 0])
    assert not np.array_equal(first, second)
    assert dataset.epoch == 2


def test_each_pipeline_keeps_its_own_epoch():
    values = np.arange(40, dtype=np.float32)[:, None]
    one = data.array_dataset(values, batch_size=8, seed=0)
    alone = np.concatenate([b.numpy() for b in one])  # epoch 0 of a fresh pipeline
    other = data.array_dataset(values, batch_size=8, seed=1)
    for _ in range(3):  # iterating another pipeline does not move this one's epoch
        list(other)
    again = data.array_dataset(values, batch_size=8, seed=0)
    np.testing.assert_array_equal(np.concatenate([b.numpy() for b in again]), alone)
    assert other.epoch == 3 and again.epoch == 1


def test_set_epoch_needs_a_ganlab_pipeline():
    dataset = data.array_dataset(np.zeros((16, 1), np.float32), batch_size=8)
    with pytest.raises(ValueError, match="dataset has no epoch.*Pass the pipeline itself"):
        data.set_epoch(dataset.map(lambda x: x), 0)
    with pytest.raises(ValueError, match="epoch must be"):
        data.set_epoch(dataset, -1)
    with pytest.raises(TypeError, match="transformed must be a tf.data.Dataset"):
        dataset.share_epochs(np.zeros(3))


def test_a_pipeline_is_a_dataset_of_its_own_type_with_nothing_patched_on():
    values = np.arange(32, dtype=np.float32)[:, None]
    dataset = data.array_dataset(values, batch_size=8, seed=0)
    assert isinstance(dataset, tf.data.Dataset) and isinstance(dataset, data.EpochPipeline)
    assert "epoch_counter" not in vars(dataset)  # the epoch belongs to the type, not to an attribute set later
    assert len(dataset) == 4 and dataset.element_spec.shape.as_list() == [8, 1]
    doubled = np.concatenate([b.numpy() for b in dataset.map(lambda x: 2 * x)])  # tf.data's methods still work
    np.testing.assert_array_equal(np.sort(doubled[:, 0]), 2 * values[:, 0])


def test_a_transformed_copy_shares_the_epoch_only_when_asked():
    values = np.arange(32, dtype=np.float32)[:, None]
    dataset = data.array_dataset(values, batch_size=8, seed=0)
    data.set_epoch(dataset, 5)
    epoch5 = np.concatenate([b.numpy() for b in dataset])
    shared = dataset.share_epochs(dataset.map(lambda x: x + 100))
    shared.set_epoch(5)  # sets the pipeline's epoch too
    assert dataset.epoch == 5
    np.testing.assert_array_equal(np.concatenate([b.numpy() for b in shared]), epoch5 + 100)
    assert dataset.epoch == 6 and shared.epoch == 6
    repeated = dataset.share_epochs(dataset.repeat())
    repeated.set_epoch(5)
    two_passes = np.concatenate([b.numpy() for b in repeated.take(8)])
    np.testing.assert_array_equal(two_passes[:32], epoch5)  # pass k of the repeat draws epoch 5 + k
    assert not np.array_equal(two_passes[32:], epoch5)


def test_array_dataset_without_shuffle_keeps_order_and_remainder():
    values = np.arange(10, dtype=np.float64)[:, None]
    dataset = data.array_dataset(values, batch_size=4, shuffle=False, drop_remainder=False)
    batches = [b.numpy() for b in dataset]
    assert [len(b) for b in batches] == [4, 4, 2] and int(dataset.cardinality()) == 3
    assert batches[0].dtype == np.float32
    np.testing.assert_array_equal(np.concatenate(batches)[:, 0], np.arange(10))


def test_array_dataset_scales_uint8():
    pixels = np.array([0, 255, 0, 255], np.uint8)[:, None]
    batch = next(iter(data.array_dataset(pixels, batch_size=4, shuffle=False, scale_uint8=True))).numpy()
    np.testing.assert_allclose(batch[:, 0], [-1.0, 1.0, -1.0, 1.0])


# -- missing and corrupt files ---------------------------------------------------------------------------


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No dataset anywhere: empty $GANLAB_DATA_DIR and $KERAS_HOME, no project data/ folder."""
    empty_data, keras_home = tmp_path / "empty_data", tmp_path / "keras_home"
    empty_data.mkdir()
    keras_home.mkdir()
    monkeypatch.setenv("GANLAB_DATA_DIR", str(empty_data))
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.delenv("GANLAB_OFFLINE", raising=False)
    # search_dirs() puts the project's data/ folder at parents[2] of the module: move the module into tmp_path
    monkeypatch.setattr(images_module, "__file__", str(tmp_path / "pkg" / "data" / "images.py"))
    folders = [folder for _, folder in data.search_dirs()]
    assert folders == [empty_data, tmp_path / "data", keras_home / "datasets"]
    return folders


@pytest.mark.bad_input
def test_missing_file_offline_lists_every_folder_and_the_fix(nowhere):
    with pytest.raises(data.DataNotFoundError, match="mnist.npz") as caught:
        data.find_file("mnist.npz", download=False)
    message = str(caught.value)
    for folder in nowhere:
        assert str(folder / "mnist.npz") in message
    assert "downloading is switched off" in message
    assert "To fix" in message and "GANLAB_DATA_DIR" in message
    assert isinstance(caught.value, FileNotFoundError)


@pytest.mark.bad_input
def test_missing_file_with_offline_env_and_through_the_loaders(nowhere, monkeypatch):
    monkeypatch.setenv("GANLAB_OFFLINE", "1")
    with pytest.raises(data.DataNotFoundError, match="downloading is switched off"):
        data.load_mnist()
    with pytest.raises(data.DataNotFoundError, match="fashion-mnist/train-labels-idx1-ubyte.gz"):
        data.load_fashion_mnist("train")
    with pytest.raises(data.DataNotFoundError, match="Looked in"):
        data.mnist(batch_size=8)


@pytest.mark.bad_input
def test_corrupt_file_is_refused(mnist_path, tmp_path, monkeypatch):
    with open(mnist_path, "rb") as source, open(tmp_path / "mnist.npz", "wb") as copy:
        copy.write(source.read(100_000))  # a truncated download
    monkeypatch.setenv("GANLAB_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="sha256") as caught:
        data.find_file("mnist.npz", download=False)
    assert str(tmp_path / "mnist.npz") in str(caught.value)
    with pytest.raises(ValueError, match="sha256"):
        data.load_mnist(download=False)


def test_good_copy_in_data_dir_is_found_first(mnist_path, tmp_path, monkeypatch):
    shutil.copy(mnist_path, tmp_path / "mnist.npz")
    monkeypatch.setenv("GANLAB_DATA_DIR", str(tmp_path))
    assert data.find_file("mnist.npz", download=False) == tmp_path / "mnist.npz"


# -- bad inputs to the pipelines and loaders ---------------------------------------------------------------

FLOATS = np.zeros((10, 1), np.float32)


@pytest.mark.bad_input
@pytest.mark.parametrize("call, error, match", [
    (lambda: data.array_dataset(FLOATS, batch_size=0), ValueError, "batch_size must be at least 1"),
    (lambda: data.array_dataset(FLOATS, batch_size=-8), ValueError, "batch_size"),
    (lambda: data.array_dataset(FLOATS, batch_size=4.0), TypeError, "batch_size must be an integer"),
    (lambda: data.array_dataset(FLOATS, batch_size=11), ValueError, r"batch_size=11 is larger than the dataset"),
    (lambda: data.array_dataset(np.zeros((0, 1), np.float32), batch_size=1), ValueError, "array is empty"),
    (lambda: data.array_dataset(np.zeros((10, 1), np.uint8), batch_size=2), TypeError,
     "array must hold floats.*scale_uint8=True"),
    (lambda: data.array_dataset(FLOATS, batch_size=2, scale_uint8=True), TypeError, "scale_uint8=True expects uint8"),
    (lambda: data.to_unit_range(FLOATS), TypeError, "images must be uint8"),
    (lambda: data.load_mnist(split="validation"), ValueError, "split must be one of 'train', 'test'"),
    (lambda: data.load_images("mnist", split="validation"), ValueError, "split"),
    (lambda: data.image_dataset(name="cifar"), ValueError, "name must be one of 'mnist', 'fashion_mnist'"),
    (lambda: data.find_file("cifar.npz"), ValueError, "name must be one of"),
], ids=["batch_size-0", "batch_size-neg", "batch_size-float", "batch-too-large", "empty-array",
        "uint8-unscaled", "float-scaled", "unit-range-float", "split-validation", "load_images-split",
        "name-cifar", "find_file-name"])
def test_pipeline_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.bad_input
@pytest.mark.parametrize("kwargs, error, match", [
    ({"classes": [11]}, ValueError, r"classes must be labels between 0 and 9, got \[11\]"),
    ({"classes": [-1, 3]}, ValueError, "classes"),
    ({"limit": 0}, ValueError, "limit must be at least 1"),
], ids=["classes-11", "classes-neg", "limit-0"])
def test_image_selection_bad_inputs(mnist_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        data.mnist(batch_size=8, download=False, **kwargs)


@pytest.mark.bad_input
def test_filter_leaving_fewer_images_than_a_batch(mnist_path):
    with pytest.raises(ValueError, match="batch_size=64 is larger than the dataset"):
        data.mnist(batch_size=64, classes=[1], limit=10, download=False)
