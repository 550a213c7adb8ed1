"""GAN(ema_decay=...): the moving average of the generator's weights, sampling from it, saving and resuming it."""
import json
import os
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest

import ganlab
from ganlab.models import mlp_discriminator, mlp_generator
from ganlab.training import GAN, CheckpointError


def make(ema_decay=0.9, batch_norm=True, seed=0):
    """A tiny 1-D GAN whose generator has batch norm (non-trainable moving statistics)."""
    generator = mlp_generator(2, (1,), (8,), output_activation=None, batch_norm=batch_norm)
    gan = GAN(generator, mlp_discriminator((1,), (8,), dropout=0), seed=seed, ema_decay=ema_decay)
    gan.compile(keras.optimizers.Adam(1e-2, beta_1=0.5), keras.optimizers.Adam(1e-2, beta_1=0.5))
    return gan


class RecordWeights(keras.callbacks.Callback):
    """The generator's weights after every training step."""

    def __init__(self):
        super().__init__()
        self.after_step = []

    def on_train_batch_end(self, batch, logs=None):
        self.after_step.append([keras.ops.convert_to_numpy(w) for w in self.model.generator.weights])


def expected_average(initial, recorded, trainable, decay):
    """The formula of GAN.update_ema applied in NumPy (float64) to the recorded weights."""
    average = [np.asarray(w, np.float64) for w in initial]
    for t, weights in enumerate(recorded):
        d = min(decay, (1 + t) / (10 + t))
        average = [d * a + (1 - d) * w if is_trainable else np.asarray(w, np.float64)
                   for a, w, is_trainable in zip(average, weights, trainable)]
    return average


def test_ema_weights_follow_the_formula(toy_dataset):
    ganlab.seed(0)
    gan = make(ema_decay=0.9)
    initial = [keras.ops.convert_to_numpy(w) for w in gan.ema_generator.weights]
    recorder = RecordWeights()
    gan.fit(toy_dataset(batches=12), epochs=2, callbacks=[recorder], verbose=0)
    trainable = [w.trainable for w in gan.generator.weights]
    assert not all(trainable)  # batch norm's moving statistics are there, and copied
    expected = expected_average(initial, recorder.after_step, trainable, 0.9)
    for want, got in zip(expected, gan.ema_generator.weights):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(got), want, rtol=1e-5, atol=1e-6)
    # the average lags behind: it is not the raw generator
    raw, averaged = gan.generator.get_weights(), gan.ema_generator.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(raw, averaged))


def test_the_average_does_not_change_training(toy_dataset):
    """With or without the average, the same seed trains the same generator and discriminator: it only watches.
    (Compared within float tolerance: the two training graphs differ by the average's ops, and a kernel may
    sum in another order.)"""
    runs = []
    for decay in (None, 0.9):
        ganlab.seed(2)
        gan = make(ema_decay=decay, seed=2)
        history = gan.fit(toy_dataset(batches=8), epochs=2, verbose=0).history
        runs.append((history, gan.generator.get_weights() + gan.discriminator.get_weights()))
    for name, values in runs[0][0].items():
        np.testing.assert_allclose(values, runs[1][0][name], rtol=1e-5, atol=1e-6)
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_sample_draws_from_the_average_and_raw_from_the_generator():
    gan = make()
    gan.ema_generator.set_weights([w + 0.1 for w in gan.ema_generator.get_weights()])
    noise = gan.fixed_noise(20, seed=4)
    assert gan.sampling_generator is gan.ema_generator
    np.testing.assert_allclose(gan.sample(20, seed=4), keras.ops.convert_to_numpy(gan.ema_generator(noise)),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gan.sample(20, seed=4, raw=True), keras.ops.convert_to_numpy(gan.generator(noise)),
                               rtol=1e-5, atol=1e-6)
    assert not np.allclose(gan.sample(20, seed=4), gan.sample(20, seed=4, raw=True))


def test_without_ema_nothing_changes():
    gan = make(ema_decay=None)
    assert gan.ema_generator is None and gan.sampling_generator is gan.generator
    np.testing.assert_array_equal(gan.sample(8), gan.sample(8, raw=True))


def test_the_average_is_not_trained():
    gan = make()
    trained = {id(v) for v in gan.trainable_weights}
    assert not any(id(v) in trained for v in gan.ema_generator.weights)
    assert len(gan.trainable_weights) == len(gan.generator.trainable_weights) + len(gan.discriminator.trainable_weights)


def test_save_and_load_round_trip_the_average(toy_dataset, tmp_path):
    ganlab.seed(1)
    gan = make()
    gan.fit(toy_dataset(batches=5), epochs=1, verbose=0)
    gan.save_weights(tmp_path / "gan.weights.h5")
    fresh = make(seed=1)
    fresh.load_weights(tmp_path / "gan.weights.h5")
    for a, b in zip(gan.ema_generator.get_weights(), fresh.ema_generator.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(gan.sample(16, seed=2), fresh.sample(16, seed=2))


@pytest.mark.bad_input
def test_a_checkpoint_without_the_average_is_refused(tmp_path):
    make(ema_decay=None).save_weights(tmp_path / "plain.weights.h5")
    with warnings.catch_warnings(), pytest.raises(CheckpointError, match="ema_decay set differently"):
        warnings.simplefilter("ignore", UserWarning)  # Keras lists the layers it cannot find on its way
        make().load_weights(tmp_path / "plain.weights.h5")


def test_backup_and_restore_resumes_the_average_exactly(toy_dataset, tmp_path):
    """Two epochs in one go equal one epoch, a restart from BackupAndRestore's checkpoint, and one more."""
    ganlab.seed(3)
    straight = make(seed=5)
    initial = straight.get_weights()
    straight.fit(toy_dataset(batches=6), epochs=2, verbose=0)

    backup = str(tmp_path / "backup")
    first = make(seed=5)
    first.set_weights(initial)
    first.fit(toy_dataset(batches=6), epochs=1, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    resumed = make(seed=5)  # a new process would build the GAN afresh
    resumed.fit(toy_dataset(batches=6), epochs=2, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup)])
    for a, b in zip(straight.ema_generator.get_weights(), resumed.ema_generator.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.bad_input
@pytest.mark.parametrize("decay, error, match", [
    (0.0, ValueError, "ema_decay must be a finite number > 0"),
    (1.0, ValueError, "ema_decay must be at most"),
    ("0.999", TypeError, "ema_decay must be a number"),
], ids=["zero", "one", "string"])
def test_ema_decay_bad_inputs(decay, error, match):
    with pytest.raises(error, match=match):
        make(ema_decay=decay)


MIRRORED = '''
import json
import numpy as np
import ganlab.device
hardware = ganlab.device.setup(cpu_replicas=2)  # before TensorFlow runs anything
import keras
from ganlab.data import array_dataset
from ganlab.models import mlp_discriminator, mlp_generator
from ganlab.training import GAN
keras.utils.set_random_seed(0)
with hardware.strategy.scope():
    gan = GAN(mlp_generator(2, (1,), (8,), output_activation=None, batch_norm=True),
              mlp_discriminator((1,), (8,), dropout=0), seed=0, ema_decay=0.9)
    gan.compile()
start = gan.ema_generator.get_weights()
data = np.random.default_rng(0).normal(2.0, 0.5, size=(64, 1)).astype(np.float32)
gan.fit(array_dataset(data, batch_size=8, seed=0), epochs=2, verbose=0)
after = gan.ema_generator.get_weights()
print("RESULT " + json.dumps({"replicas": hardware.replicas,
                              "moved": max(float(np.abs(a - b).max()) for a, b in zip(start, after)),
                              "finite": bool(all(np.isfinite(w).all() for w in after))}))
'''


def test_the_average_is_kept_under_a_mirrored_strategy(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run([sys.executable, "-c", MIRRORED], capture_output=True, text=True, timeout=240,
                          env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads([line for line in done.stdout.splitlines() if line.startswith("RESULT ")][0][7:])
    assert result["replicas"] == 2 and result["finite"] and result["moved"] > 0
