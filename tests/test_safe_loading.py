"""Loading saved models: training.load_generator (Keras safe mode) and GAN.load_weights' errors."""
import warnings

import keras
import numpy as np
import pytest
from keras import layers

from ganlab.models import mlp_generator
from ganlab.training import CheckpointError, load_generator


def truncate(path, fraction=0.5):
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * fraction)])
    return path


def same_weights(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def test_checkpoint_error_is_an_os_error():
    """So that Keras' BackupAndRestore, which catches OSError, falls back to its previous copy."""
    assert issubclass(CheckpointError, OSError)


# -- load_generator ----------------------------------------------------------------------------------------

def test_load_generator_round_trip(tmp_path):
    generator = mlp_generator(4, (28, 28, 1), (8,), batch_norm=True)
    path = tmp_path / "generator.keras"
    generator.save(path)
    loaded = load_generator(path)  # a Path ...
    assert isinstance(loaded, keras.Model)
    noise = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(noise, training=False)),
                                  keras.ops.convert_to_numpy(generator(noise, training=False)))
    assert loaded.output_shape == (None, 28, 28, 1)
    assert same_weights(load_generator(str(path)).get_weights(), generator.get_weights())  # ... or a str


def test_load_generator_round_trip_of_a_dcgan(tmp_path):
    from ganlab.models import dcgan_generator

    generator = dcgan_generator(latent_dim=8, width=4)
    generator.save(tmp_path / "dcgan.keras")
    assert same_weights(load_generator(tmp_path / "dcgan.keras").get_weights(), generator.get_weights())


@pytest.mark.bad_input
def test_load_generator_refuses_a_lambda_layer(tmp_path):
    noise = keras.Input((2,))
    model = keras.Model(noise, layers.Lambda(lambda x: x * 2.0)(layers.Dense(3)(noise)))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match=r"lambda\.keras holds a Lambda layer.*safe mode will not run") as caught:
        load_generator(tmp_path / "lambda.keras")
    assert not isinstance(caught.value, CheckpointError)
    assert "safe_mode" in str(caught.value.__cause__)  # Keras' own refusal, kept as the cause


@pytest.mark.bad_input
@pytest.mark.parametrize("name", ["generator.h5", "generator.weights.h5", "generator", "generator.keras.bak"])
def test_load_generator_refuses_other_file_types(tmp_path, name):
    (tmp_path / name).write_bytes(b"not a model")
    with pytest.raises(ValueError, match=r"path must name a \.keras file"):
        load_generator(tmp_path / name)


@pytest.mark.bad_input
def test_load_generator_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match=r"missing\.keras does not exist"):
        load_generator(tmp_path / "missing.keras")


@pytest.mark.bad_input
@pytest.mark.parametrize("content", ["truncated", "empty", "garbage"])
def test_load_generator_unreadable_file(tmp_path, content):
    path = tmp_path / "generator.keras"
    mlp_generator(2, (1,), (4,), batch_norm=False).save(path)
    if content == "truncated":
        truncate(path)
    elif content == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(CheckpointError, match=r"generator\.keras"):
        load_generator(path)


# -- GAN.load_weights --------------------------------------------------------------------------------------

@pytest.fixture
def saved_gan(make_gan, tmp_path):
    gan = make_gan(hidden=(8,), seed=0)
    path = tmp_path / "gan.weights.h5"
    gan.save_weights(path)
    return gan, path


def test_load_weights_round_trip(make_gan, saved_gan):
    gan, path = saved_gan
    fresh = make_gan(hidden=(8,), seed=1)
    assert not same_weights(fresh.get_weights(), gan.get_weights())
    fresh.load_weights(path)
    assert same_weights(fresh.get_weights(), gan.get_weights())


@pytest.mark.bad_input
def test_load_weights_missing_file(make_gan, tmp_path):
    with pytest.raises(CheckpointError, match=r"nothing\.weights\.h5 does not exist"):
        make_gan().load_weights(tmp_path / "nothing.weights.h5")


@pytest.mark.bad_input
@pytest.mark.parametrize("fraction", [0.5, 0.0], ids=["half", "empty"])
def test_load_weights_truncated_file(make_gan, saved_gan, fraction):
    _, path = saved_gan
    truncate(path, fraction)
    with pytest.raises(CheckpointError, match=r"gan\.weights\.h5 could not be restored.*truncated"):
        make_gan(hidden=(8,)).load_weights(path)


@pytest.mark.bad_input
@pytest.mark.parametrize("hidden", [(16,), (8, 8)], ids=["wider", "deeper"])
def test_load_weights_from_other_layer_widths(make_gan, saved_gan, hidden):
    _, path = saved_gan
    other = make_gan(hidden=hidden)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Keras warns about the optimizer on its way
        with pytest.raises(CheckpointError, match=r"(?s)could not be restored into this GAN.*another shape"):
            other.load_weights(path)


def test_a_failed_load_leaves_the_gan_as_it_was(tmp_path):
    """Keras copies matching variables before it finds a mismatch; GAN.load_weights puts everything back."""
    from ganlab import models
    from ganlab.training import GAN, CheckpointError

    def make(widths):
        generator = models.mlp_generator(latent_dim=4, output_shape=(2,), hidden_units=widths, output_activation=None,
                                         batch_norm=False)
        gan = GAN(generator, models.mlp_discriminator(input_shape=(2,), hidden_units=(8,), dropout=0.0))
        gan.compile()
        return gan

    other = make((8, 8))
    other.step_counter.assign(123)
    other.save_weights(tmp_path / "other.weights.h5")
    gan = make((8,))
    before = [v.numpy().copy() for v in gan.all_state()]
    with pytest.raises(CheckpointError):
        gan.load_weights(tmp_path / "other.weights.h5")
    after = [v.numpy() for v in gan.all_state()]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert int(gan.step_counter.numpy()) == 0


# -- GAN.save_weights --------------------------------------------------------------------------------------

def test_a_save_cut_short_leaves_the_previous_checkpoint_whole(make_gan, saved_gan, monkeypatch):
    """A run killed while writing (here: Keras' writer dies halfway) must not leave a truncated checkpoint:
    GAN.save_weights writes beside the file and renames, so the old checkpoint still loads."""
    gan, path = saved_gan
    saved = gan.get_weights()
    other = make_gan(hidden=(8,), seed=1)

    def dies_halfway(self, filepath, overwrite=True, **kwargs):
        with open(filepath, "wb") as handle:
            handle.write(path.read_bytes()[:200])  # a partial file, as a kill mid-write leaves
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save_weights", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        other.save_weights(path)
    monkeypatch.undo()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file left behind
    restored = make_gan(hidden=(8,), seed=2)
    restored.load_weights(path)
    assert same_weights(restored.get_weights(), saved)
    other.save_weights(path)  # a save that completes replaces it
    restored.load_weights(path)
    assert same_weights(restored.get_weights(), other.get_weights())


def test_save_weights_keeps_keras_errors_and_options(make_gan, tmp_path):
    gan = make_gan(hidden=(8,))
    with pytest.raises(ValueError, match=r"weights\.h5"):
        gan.save_weights(tmp_path / "gan.h5")  # Keras' own message about the suffix, not about a temporary file
    gan.save_weights(str(tmp_path / "gan.weights.h5"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gan.weights.h5"]
