"""ganlab.views.callbacks for image GANs: SampleGrid, save_gif and FrechetDistance."""
import imageio.v3 as iio
import keras
import numpy as np
import pytest

from ganlab.views.callbacks import FrechetDistance, SampleGrid, save_gif
from ganlab.data import array_dataset
from ganlab.models import dcgan_discriminator, dcgan_generator
from ganlab.training import GAN


def tiny_dcgan(seed=0):
    """A DCGAN-shaped 28x28x1 GAN with a few thousand weights."""
    keras.utils.set_random_seed(seed)
    gan = GAN(dcgan_generator(latent_dim=8, width=4), dcgan_discriminator(width=4), seed=seed)
    gan.compile(keras.optimizers.Adam(2e-3, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5))
    return gan


def random_images(n=64, seed=0):
    """Blurry blobs in [-1, 1], enough to train a few steps on without a dataset file."""
    rng = np.random.default_rng(seed)
    return np.tanh(rng.normal(size=(n, 28, 28, 1))).astype(np.float32)


# -- SampleGrid -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trained_grid(tmp_path_factory):
    """A tiny DCGAN trained 2 epochs of 4 steps with a SampleGrid of 10 samples, 5 per row."""
    directory = tmp_path_factory.mktemp("grids")
    gan = tiny_dcgan()
    grid = SampleGrid(directory, n=10, ncols=5, seed=7)
    gan.fit(array_dataset(random_images(), 16), epochs=2, verbose=0, callbacks=[grid])
    return gan, grid, directory


def test_sample_grid_writes_one_png_per_epoch(trained_grid):
    _, grid, directory = trained_grid
    assert sorted(p.name for p in directory.iterdir()) == ["epoch_001.png", "epoch_002.png"]
    assert len(grid.frames) == 2
    for frame, name in zip(grid.frames, ["epoch_001.png", "epoch_002.png"]):
        np.testing.assert_array_equal(iio.imread(directory / name), frame)


def test_sample_grid_frames_are_rgb_uint8_of_one_shape(trained_grid):
    _, grid, _ = trained_grid
    # 2 rows x 5 columns of 28x28 with 1-pixel borders: (2 * 29 + 1, 5 * 29 + 1), then doubled
    assert [frame.shape for frame in grid.frames] == [(118, 292, 3)] * 2
    assert all(frame.dtype == np.uint8 for frame in grid.frames)
    first = grid.frames[0]
    np.testing.assert_array_equal(first[..., 0], first[..., 2])  # grey images, repeated over 3 channels
    assert np.all(first[:2] == 255)  # the white border
    assert not np.array_equal(grid.frames[0], grid.frames[1])  # training moved the generator


def test_sample_grid_uses_the_same_noise_every_time(trained_grid):
    gan, grid, _ = trained_grid
    again = SampleGrid(n=10, ncols=5, seed=7)  # no directory: frames in memory only
    again.set_model(gan)
    again.on_epoch_end(0)
    again.on_epoch_end(1)
    np.testing.assert_array_equal(again.frames[0], again.frames[1])
    np.testing.assert_array_equal(again.frames[0], grid.frames[-1])  # the same z as during training
    other_seed = SampleGrid(n=10, ncols=5, seed=8)
    other_seed.set_model(gan)
    other_seed.on_epoch_end(0)
    assert not np.array_equal(other_seed.frames[0], grid.frames[-1])


@pytest.mark.bad_input
@pytest.mark.parametrize("kwargs, match", [({"n": 0}, "n must be at least 1"),
                                           ({"ncols": 0}, "ncols must be at least 1")])
def test_sample_grid_bad_inputs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SampleGrid(**kwargs)


# -- save_gif ----------------------------------------------------------------------------------------------

def test_save_gif_writes_an_animation(trained_grid, tmp_path):
    _, grid, _ = trained_grid
    path = save_gif(grid.frames, tmp_path / "sub" / "training.gif", seconds_per_frame=0.2)
    assert path == tmp_path / "sub" / "training.gif" and path.is_file()
    frames = iio.imread(path, index=None)
    assert frames.shape == (2, 118, 292, 3)
    np.testing.assert_array_equal(frames[0, ..., 0], grid.frames[0][..., 0])  # greys survive the palette


def test_save_gif_of_plain_frames(tmp_path):
    frames = [np.full((6, 8, 3), value, np.uint8) for value in (0, 128, 255)]
    read = iio.imread(save_gif(frames, tmp_path / "plain.gif"), index=None)
    assert read.shape == (3, 6, 8, 3)
    assert [int(frame[0, 0, 0]) for frame in read] == [0, 128, 255]


@pytest.mark.bad_input
def test_save_gif_refuses_no_frames(tmp_path):
    with pytest.raises(ValueError, match="frames is empty"):
        save_gif([], tmp_path / "empty.gif")
    assert not (tmp_path / "empty.gif").exists()


# -- FrechetDistance ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mnist_reference(mnist_path):
    from ganlab import metrics
    from ganlab.data import load_images

    images, _ = load_images("mnist", "test", limit=500)
    return images, metrics.image_statistics(images)


def test_frechet_distance_logs_fid_every_epoch(mnist_reference):
    images, statistics = mnist_reference
    gan = tiny_dcgan()
    callback = FrechetDistance(statistics, every=3, n_samples=300)
    assert callback.reference is statistics  # a (mu, sigma) pair is used as it is
    history = gan.fit(array_dataset(images[:64], 16), epochs=2, verbose=0, callbacks=[callback])  # 4 steps/epoch
    # measured every 3 steps (3, 6), and at each epoch's end (4, 8) unless that step was just measured
    assert callback.steps == [3, 4, 6, 8]
    assert len(callback.values) == len(callback.seconds) == 4
    assert all(np.isfinite(v) and v > 0 for v in callback.values)
    assert all(later > earlier for earlier, later in zip(callback.seconds, callback.seconds[1:]))
    assert callback.seconds[0] > 0
    # the epoch's newest value is logged next to the losses
    at_epoch_ends = [value for step, value in zip(callback.steps, callback.values) if step in (4, 8)]
    assert history.history["fid"] == pytest.approx(at_epoch_ends)
    assert len(history.history["fid"]) == len(history.history["d_loss"]) == 2


def test_measurements_are_labelled_by_the_gans_steps_under_steps_per_execution(mnist_reference):
    """Two steps per call into TensorFlow: batch ends come at steps 2, 4, 6, 8; every=3 measures when a multiple of
    3 is passed (4, then 6) and each epoch's end (4 again: reused; 8), labelled with the GAN's own step count."""
    images, statistics = mnist_reference
    gan = tiny_dcgan()
    gan.compile(steps_per_execution=2)
    callback = FrechetDistance(statistics, every=3, n_samples=300)
    gan.fit(array_dataset(images[:64], 16), epochs=2, verbose=0, callbacks=[callback])  # 4 steps/epoch
    assert callback.steps == [4, 6, 8]
    assert int(gan.step_counter.numpy()) == 8


def test_frechet_distance_is_repeatable_for_a_fixed_generator(mnist_reference):
    _, statistics = mnist_reference
    gan = tiny_dcgan()
    callback = FrechetDistance(statistics, every=10, n_samples=300)
    callback.set_model(gan)
    callback.on_train_begin()
    first, second = callback.measure(), callback.measure()
    assert first == pytest.approx(second, rel=1e-9)  # the same fixed noise each time
    assert first > 100  # an untrained generator is far from digits


def test_frechet_distance_computes_statistics_from_images(mnist_reference):
    images, (mu, sigma) = mnist_reference
    callback = FrechetDistance(images, every=5, n_samples=300)
    np.testing.assert_allclose(callback.reference[0], mu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(callback.reference[1], sigma, rtol=1e-4, atol=1e-6)


@pytest.mark.bad_input
@pytest.mark.parametrize("kwargs, error, match", [
    ({"every": 0}, ValueError, "every must be at least 1, got 0"),
    ({"every": 2.5}, TypeError, "every must be an integer"),
    ({"n_samples": 1}, ValueError, "n_samples must be at least 2, got 1"),
], ids=["every-0", "every-float", "n_samples-1"])
def test_frechet_distance_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        FrechetDistance((np.zeros(128), np.eye(128)), **kwargs)


def test_frechet_distance_at_an_epoch_end_step_is_measured_once(mnist_reference):
    """every=2 with 4 steps an epoch: steps 4 and 8 are measured by the step count, and the epoch's end reuses them."""
    _, statistics = mnist_reference
    gan = tiny_dcgan()
    callback = FrechetDistance(statistics, every=2, n_samples=300)
    callback.set_model(gan)
    callback.on_train_begin()
    logs = []
    for epoch in range(2):
        for batch in range(4):
            gan.step_counter.assign_add(1)  # as GAN.train_step does
            callback.on_train_batch_end(batch)
        logs.append({})
        callback.on_epoch_end(epoch, logs[-1])
    assert callback.steps == [2, 4, 6, 8]
    assert [log["fid"] for log in logs] == [callback.values[1], callback.values[3]]
