"""ganlab.metrics.readable: the readable share, calibrated on real images and on a hand count."""
import numpy as np
import pytest
from scipy import ndimage

from ganlab import data, metrics
from ganlab.experiments import sweep
from ganlab.metrics import readable


def test_real_digits_are_readable_and_the_threshold_is_calibrated(mnist_path):
    test, _ = data.load_images("mnist", "test")
    share = metrics.readable_fraction(test[:2000])
    assert share >= 0.96, f"only {share:.3f} of real test digits read as readable: the threshold is too strict"
    limits = readable.calibration("mnist")
    assert limits["probability"] == readable.PROBABILITY["mnist"] >= 0.9  # "confident" means confident
    low, high = limits["pixels"]
    assert np.all(low < high) and limits["distance"] > 0


def test_noise_blobs_and_blank_frames_are_not_readable(mnist_path):
    rng = np.random.default_rng(0)
    blobs = np.stack([ndimage.gaussian_filter(rng.normal(size=(28, 28)), 3) for _ in range(100)])
    cases = {"uniform noise": rng.uniform(-1, 1, (100, 28, 28, 1)),
             "dark Gaussian noise": np.clip(rng.normal(-0.5, 0.5, (100, 28, 28, 1)), -1, 1),
             "smooth blobs": np.clip(blobs[..., None] / blobs.std() - 0.3, -1, 1),
             "blank frames": -np.ones((10, 28, 28, 1))}
    for name, images in cases.items():
        assert metrics.readable_fraction(images) <= 0.05, name
    assert not np.any(metrics.is_readable(rng.uniform(-1, 1, (50, 28, 28, 1))))


def test_the_share_agrees_with_a_hand_count_of_stored_samples(mnist_path):
    """The stored sweep's samples counted by hand (see the module's docstring): within 0.1."""
    rows, _ = sweep.load()
    for row, by_hand in ((10, 7 / 16), (12, 0.0)):
        images = rows[row]["samples"].astype(np.float32)[..., None] / 127.5 - 1
        assert metrics.readable_fraction(images) == pytest.approx(by_hand, abs=0.1), row


def test_fashion_mnist_has_its_own_calibration(fashion_available):
    test, _ = data.load_images("fashion_mnist", "test")
    assert metrics.readable_fraction(test[:2000], "fashion_mnist") >= 0.95
    assert metrics.readable_fraction(np.random.default_rng(1).uniform(-1, 1, (100, 28, 28, 1)), "fashion_mnist") <= 0.05


@pytest.mark.bad_input
def test_wrong_inputs_say_what_to_pass():
    with pytest.raises(ValueError, match="dataset"):
        readable.calibration("cifar10")
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        metrics.readable_fraction(np.full((4, 28, 28, 1), 255.0))


@pytest.fixture
def small_calibration(mnist_path, tmp_path, monkeypatch):
    """A calibration from 500 + 500 images (the same code, a tenth of the time) kept in a folder of its own;
    forgotten afterwards, so that no other test sees it."""
    monkeypatch.setenv(readable.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(readable, "REFERENCE_SIZE", 500)
    readable.calibration.cache_clear()
    yield tmp_path
    readable.calibration.cache_clear()


def test_the_calibration_kept_on_disk_is_the_one_computed(small_calibration, monkeypatch):
    """Read back from the cache file it equals a fresh computation; a damaged file is recomputed and rewritten,
    and a file under another key (other code, classifier or data) is never read."""
    fresh = readable.calibration("mnist", use_cache=False)
    assert not any(small_calibration.iterdir()), "use_cache=False must not write"
    written = readable.calibration("mnist")
    path = readable.cache_file("mnist")
    assert path.exists() and path.parent == small_calibration
    readable.calibration.cache_clear()
    loaded = readable.calibration("mnist")
    for result in (written, loaded):
        np.testing.assert_allclose(result["reference"], fresh["reference"], rtol=1e-6, atol=1e-6)
        assert result["distance"] == pytest.approx(fresh["distance"], rel=1e-6)
        for a, b in zip(result["pixels"], fresh["pixels"]):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    # A file cut short (an interrupted write by an older version, a full disk) is not trusted.
    path.write_bytes(path.read_bytes()[:1000])
    readable.calibration.cache_clear()
    assert readable.calibration("mnist")["distance"] == pytest.approx(fresh["distance"], rel=1e-6)
    with np.load(path) as repaired:
        assert repaired["reference"].shape == fresh["reference"].shape
    # A wrong file under the right name is what the key prevents: a different key gives a different name.
    monkeypatch.setattr(readable, "FILES", {"mnist.npz": "0" * 64})
    assert readable.cache_file("mnist") != path


def test_a_failed_cache_write_leaves_no_file_behind(small_calibration, monkeypatch):
    """A write that fails half way (a full disk) still returns the calibration and leaves the folder clean."""

    def full_disk(file, **arrays):
        file.write(b"PK")  # a few bytes reach the temporary file before the disk fills
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(readable.np, "savez", full_disk)
    result = readable.calibration("mnist")
    assert result["reference"].shape == (500, 128)
    assert list(small_calibration.iterdir()) == [], "the temporary file must be removed when the write fails"
