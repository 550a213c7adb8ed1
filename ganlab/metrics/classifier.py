"""Small MNIST and Fashion-MNIST classifiers: the feature extractors behind ganlab's image metrics.

The Fréchet Inception Distance (Heusel et al., 2017) compares Inception-v3
features of real and generated images. Inception-v3 was trained on ImageNet
photographs, weighs 90 MB and knows nothing of handwritten digits, so for
28x28 greyscale data ganlab uses a classifier trained on the data itself (as
done for MNIST in, e.g., Lucic et al., 2018): its 128 penultimate activations
play the role of Inception's pool features, its softmax that of Inception's
class probabilities.

Train (from the repository's root; writes ganlab/assets/ and its manifest):
    python -m ganlab.metrics.classifier mnist
    python -m ganlab.metrics.classifier fashion_mnist

The weights ship with the package; their sha256 and test accuracy are in
``ganlab/assets/classifiers.json`` and the checksum is verified on every load.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import keras
from keras import layers

import ganlab
from ganlab._checks import one_of
from ganlab.data import load_images

ASSETS = Path(__file__).resolve().parents[1] / "assets"
MANIFEST = ASSETS / "classifiers.json"
DATASETS = ("mnist", "fashion_mnist")
FEATURES = 128


def build_classifier(name: str = "classifier") -> keras.Model:
    """A small CNN: (batch, 28, 28, 1) images in [-1, 1] -> (batch, 10) logits; layer "features" is 128-d."""
    images = keras.Input(shape=(28, 28, 1), name="images")
    x = images
    for channels in (32, 64):
        x = layers.Conv2D(channels, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.Conv2D(channels, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    features = layers.Dense(FEATURES, activation="relu", name="features")(x)
    x = layers.Dropout(0.3)(features)
    logits = layers.Dense(10, name="logits", dtype="float32")(x)
    return keras.Model(images, logits, name=name)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def weights_path(dataset: str) -> Path:
    return ASSETS / f"{dataset}_classifier.weights.h5"


_CACHE: dict[str, keras.Model] = {}


def load_classifier(dataset: str = "mnist") -> keras.Model:
    """The trained classifier for ``dataset`` ("mnist" or "fashion_mnist"), its checksum verified; cached."""
    one_of("dataset", dataset, DATASETS)
    if dataset in _CACHE:
        return _CACHE[dataset]
    path = weights_path(dataset)
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    if not path.exists() or dataset not in manifest:
        raise FileNotFoundError(f"The {dataset} classifier's weights are missing ({path}). Train them with "
                                f"`python -m ganlab.metrics.classifier {dataset}`.")
    if _sha256(path) != manifest[dataset]["sha256"]:
        raise ValueError(f"{path} does not match its sha256 in {MANIFEST.name}: the file is corrupt or was changed. "
                         f"Restore it from the repository or retrain with `python -m ganlab.metrics.classifier {dataset}`.")
    model = build_classifier(f"{dataset}_classifier")
    model.load_weights(path)
    _CACHE[dataset] = model
    return model


def train(dataset: str, epochs: int, seed: int = 0) -> dict:
    """Train the classifier on the training split, test it, save weights and manifest entry; return the entry."""
    import numpy as np


    ganlab.seed(seed)
    x_train, y_train = load_images(dataset, "train")
    x_test, y_test = load_images(dataset, "test")
    model = build_classifier(f"{dataset}_classifier")
    steps = epochs * (len(x_train) // 128)
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    # Small shifts make the features robust to the slightly off-centre strokes generators draw.
    augment = keras.Sequential([layers.RandomTranslation(0.08, 0.08, fill_value=-1.0, seed=seed)])
    train_data = ganlab.data.array_dataset(x_train, 128, seed=seed, labels=y_train.astype(np.int32))
    model.fit(train_data.map(lambda x, y: (augment(x, training=True), y)), epochs=epochs, verbose=2)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    ASSETS.mkdir(exist_ok=True)
    path = weights_path(dataset)
    bare = build_classifier(model.name)  # without the optimizer's state: a third of the size
    bare.set_weights(model.get_weights())
    bare.save_weights(path)
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    manifest[dataset] = {"file": path.name, "sha256": _sha256(path), "test_accuracy": round(float(accuracy), 4),
                         "epochs": epochs, "seed": seed}
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest[dataset]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Train the classifier behind ganlab's image metrics.")
    parser.add_argument("dataset", choices=DATASETS)
    parser.add_argument("--epochs", type=int, default=None, help="default: 4 for MNIST, 12 for Fashion-MNIST")
    args = parser.parse_args(argv)
    epochs = args.epochs or (4 if args.dataset == "mnist" else 12)
    entry = train(args.dataset, epochs)
    print(json.dumps({args.dataset: entry}, indent=2))


if __name__ == "__main__":
    main()
