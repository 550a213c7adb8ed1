"""MNIST and Fashion-MNIST: found on disk or downloaded, checked, scaled to [-1, 1].

Where files are looked for, in order:

1. the folder named by the environment variable ``GANLAB_DATA_DIR``;
2. the project's own ``data/`` folder (beside the ``ganlab`` package);
3. Keras' cache, ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``;
4. a download into Keras' cache (as ``keras.datasets`` would do).

The files are the ones Keras downloads, under the same names (``mnist.npz``,
``fashion-mnist/*.gz``), so any of these folders may be a copy of Keras'
cache. Every file is checked against its published sha256 before use.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import keras
import numpy as np

from ganlab._checks import one_of, positive_int
from ganlab.data.pipeline import array_dataset

DATA_ENV = "GANLAB_DATA_DIR"
OFFLINE_ENV = "GANLAB_OFFLINE"
_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# sha256 of the files Keras downloads (keras/src/datasets/mnist.py; tensorflow/datasets url checksums).
FILES = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "fashion-mnist/train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "fashion-mnist/train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "fashion-mnist/t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "fashion-mnist/t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


class DataNotFoundError(FileNotFoundError):
    """A dataset file was in none of the places looked in, and could not be downloaded."""


def search_dirs() -> list[tuple[str, Path]]:
    """The folders looked in, in order, each with a note of where it came from."""
    places = []
    if os.environ.get(DATA_ENV):
        places.append((f"${DATA_ENV}", Path(os.environ[DATA_ENV]).expanduser()))
    places.append(("the project's data/ folder", Path(__file__).resolve().parents[2] / "data"))
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser()
    places.append(("Keras' cache", keras_home / "datasets"))
    return places


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check(path: Path, name: str) -> Path:
    if _sha256(path) != FILES[name]:
        raise ValueError(
            f"{path} is not the expected {name} (its sha256 differs: the file is truncated, corrupt or a "
            f"different version). Delete it and load again to download a fresh copy, or replace it with "
            f"the file from {_ORIGIN}{name.split('/')[-1]}."
        )
    return path


def find_file(name: str, download: bool | None = None) -> Path:
    """Return the path of dataset file ``name`` (a key of ``FILES``), downloading it if need be.

    ``download=None`` downloads unless the environment variable ``GANLAB_OFFLINE`` is set.
    """
    one_of("name", name, FILES)
    looked = []
    for label, folder in search_dirs():
        candidate = folder / name
        looked.append(f"  - {candidate}  ({label})")
        if candidate.is_file():
            return _check(candidate, name)
    if download is None:
        download = not os.environ.get(OFFLINE_ENV)
    reason = "downloading is switched off"
    if download:
        cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser()
        subdir = "datasets/" + name.rsplit("/", 1)[0] if "/" in name else "datasets"
        try:
            path = keras.utils.get_file(fname=name.split("/")[-1], origin=_ORIGIN + name.split("/")[-1],
                                        file_hash=FILES[name], cache_subdir=subdir, cache_dir=str(cache))
            return _check(Path(path), name)
        except Exception as error:  # no network, proxy, refused: all end the same way for a learner
            reason = f"the download from {_ORIGIN} failed ({type(error).__name__}: {str(error)[:200]})"
    raise DataNotFoundError(
        f"Could not find {name}, and {reason}. Looked in:\n" + "\n".join(looked) + "\n"
        f"To fix: put the file in one of those folders (for example copy Keras' datasets cache), or set "
        f"{DATA_ENV} to a folder that holds {name}, or connect to the internet and load again."
    )


def _read_idx(path: Path, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as handle:
        return np.frombuffer(handle.read(), dtype=np.uint8, offset=offset)


def load_mnist(split: str = "train", download: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST as uint8 arrays: images (n, 28, 28) and labels (n,); ``split`` is "train" or "test"."""
    one_of("split", split, ("train", "test"))
    with np.load(find_file("mnist.npz", download)) as archive:
        return archive[f"x_{split}"], archive[f"y_{split}"]


def load_fashion_mnist(split: str = "train", download: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST as uint8 arrays: images (n, 28, 28) and labels (n,); classes in ``FASHION_CLASSES``."""
    one_of("split", split, ("train", "test"))
    prefix = "train" if split == "train" else "t10k"
    labels = _read_idx(find_file(f"fashion-mnist/{prefix}-labels-idx1-ubyte.gz", download), 8)
    images = _read_idx(find_file(f"fashion-mnist/{prefix}-images-idx3-ubyte.gz", download), 16)
    return images.reshape(len(labels), 28, 28), labels


LOADERS = {"mnist": load_mnist, "fashion_mnist": load_fashion_mnist}


def load_images(name: str = "mnist", split: str = "train", classes=None, limit: int | None = None,
                download: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images as float32 (n, 28, 28, 1) in [-1, 1] and their labels, optionally filtered.

    Args:
        name: "mnist" or "fashion_mnist".
        classes: keep only these labels (e.g. ``[0, 1]``), or ``None`` for all.
        limit: keep only the first ``limit`` images after filtering.
    """
    one_of("name", name, LOADERS)
    images, labels = LOADERS[name](split, download)
    images, labels = _select(images, labels, classes, limit)
    return to_unit_range(images), labels


def _select(images, labels, classes, limit):
    if classes is not None:
        wanted = np.atleast_1d(np.asarray(classes))
        bad = [c for c in wanted.tolist() if c not in range(10)]
        if bad:
            raise ValueError(f"classes must be labels between 0 and 9, got {bad}.")
        keep = np.isin(labels, wanted)
        images, labels = images[keep], labels[keep]
    if limit is not None:
        positive_int("limit", limit, example=1000)
        images, labels = images[:limit], labels[:limit]
    return images, labels


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """uint8 pixels 0..255 of shape (n, h, w) or (n, h, w, c) -> float32 in [-1, 1] of shape (n, h, w, c)."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"images must be uint8 pixels 0..255, got dtype {images.dtype}.")
    if images.ndim == 3:
        images = images[..., None]
    return images.astype(np.float32) / 127.5 - 1.0


def image_dataset(name: str = "mnist", batch_size: int = 64, split: str = "train", classes=None,
                  limit: int | None = None, seed: int = 0, download: bool | None = None):
    """A ``tf.data`` pipeline of MNIST or Fashion-MNIST images in [-1, 1], shape (batch_size, 28, 28, 1).

    The pixels stay in memory as bytes and are scaled per batch; every epoch is
    reshuffled with an order fixed by ``seed`` (see :mod:`ganlab.data.pipeline`).
    Labels are left out: a GAN learns from images alone.
    """
    one_of("name", name, LOADERS)
    images, labels = LOADERS[name](split, download)
    images, _ = _select(images, labels, classes, limit)
    return array_dataset(images[..., None], batch_size=batch_size, seed=seed, scale_uint8=True)


def mnist(batch_size: int = 64, **kwargs):
    """MNIST digits as a ``tf.data`` pipeline in [-1, 1]; keyword arguments as :func:`image_dataset`."""
    return image_dataset("mnist", batch_size, **kwargs)


def fashion_mnist(batch_size: int = 64, **kwargs):
    """Fashion-MNIST as a ``tf.data`` pipeline in [-1, 1]; keyword arguments as :func:`image_dataset`."""
    return image_dataset("fashion_mnist", batch_size, **kwargs)


def stacked_mnist(n: int, split: str = "train", seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stacked MNIST: ``n`` images (n, 28, 28, 3) in [-1, 1] whose channels are three random MNIST digits.

    With 10 digits per channel the distribution has 1,000 modes (Metz et al., 2017),
    a test of mode coverage that a generator cannot pass by drawing a few good
    digits. Returns the images and their modes, 100 * red + 10 * green + blue digit.
    """
    positive_int("n", n, example=25_600)
    images, labels = load_mnist(split)
    rng = np.random.default_rng(seed)
    chosen = rng.integers(0, len(images), size=(n, 3))
    stacked = np.stack([images[chosen[:, c]] for c in range(3)], axis=-1)
    modes = labels[chosen] @ np.array([100, 10, 1])
    return to_unit_range(stacked), modes
