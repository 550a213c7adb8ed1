"""Shared settings and tiny-model fixtures for the ganlab unit tests.

The environment is set here, before any test imports ganlab or TensorFlow:
quick mode on, and the dataset folder of a checkout laid out as
``<workspace>/main`` beside ``<workspace>/shared/data`` (CI sets
``GANLAB_DATA_DIR`` itself).
"""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("GANLAB_QUICK", "1")
_SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if _SHARED_DATA.is_dir() and not os.environ.get("GANLAB_DATA_DIR"):
    os.environ["GANLAB_DATA_DIR"] = str(_SHARED_DATA)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "bad_input: a call with a wrong argument must raise a clear error naming that argument "
        "(count them with `pytest -m bad_input --collect-only -q`)",
    )
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium (tests/test_browser.py)")


# -- tiny models ---------------------------------------------------------------------------------

@pytest.fixture
def make_gan():
    """A factory of tiny 1-D GANs (a few hundred weights): ``make_gan(**options)``.

    Options: latent_dim, hidden (both networks), discriminator_steps,
    generator_loss, seed (noise seed), compile (default True), lr.
    """
    import keras

    from ganlab.models import mlp_discriminator, mlp_generator
    from ganlab.training import GAN

    def factory(latent_dim=2, hidden=(8,), discriminator_steps=1, generator_loss="non_saturating", seed=0,
                compile=True, lr=1e-3, batch_norm=False):
        generator = mlp_generator(latent_dim, (1,), hidden, output_activation=None, batch_norm=batch_norm)
        discriminator = mlp_discriminator((1,), hidden, dropout=0)
        gan = GAN(generator, discriminator, discriminator_steps=discriminator_steps,
                  generator_loss=generator_loss, seed=seed)
        if compile:
            gan.compile(keras.optimizers.Adam(lr, beta_1=0.5), keras.optimizers.Adam(lr, beta_1=0.5))
        return gan

    return factory


@pytest.fixture
def image_models():
    """A tiny tanh generator and discriminator for 28x28x1 images (checks on image-shaped data)."""
    from ganlab.models import mlp_discriminator, mlp_generator

    return (mlp_generator(2, (28, 28, 1), (4,), batch_norm=False),
            mlp_discriminator((28, 28, 1), (4,), dropout=0))


@pytest.fixture
def toy_mixture():
    """One Gaussian at 1.5 with std 0.5: a generator that starts near 0 must move to reach it."""
    from ganlab.data import mixture_1d

    return mixture_1d(means=(1.5,), std=0.5)


@pytest.fixture
def toy_dataset(toy_mixture):
    """A factory: ``toy_dataset(batches, batch_size=16, seed=0)``, one epoch of ``batches`` batches."""

    def factory(batches=8, batch_size=16, seed=0):
        return toy_mixture.dataset(batch_size=batch_size, n_samples=batches * batch_size, seed=seed)

    return factory


# -- data files ------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def mnist_path():
    """The checked path of mnist.npz; the test is skipped (with the reason) when the file is nowhere."""
    from ganlab.data import DataNotFoundError, find_file

    try:
        return find_file("mnist.npz", download=False)
    except DataNotFoundError:
        pytest.skip("mnist.npz not found: set GANLAB_DATA_DIR to a folder that holds it")


@pytest.fixture(scope="session")
def fashion_available():
    from ganlab.data import DataNotFoundError, find_file

    try:
        for split in ("train", "t10k"):
            find_file(f"fashion-mnist/{split}-images-idx3-ubyte.gz", download=False)
            find_file(f"fashion-mnist/{split}-labels-idx1-ubyte.gz", download=False)
    except DataNotFoundError:
        pytest.skip("Fashion-MNIST not found: set GANLAB_DATA_DIR to a folder that holds fashion-mnist/")
    return True

