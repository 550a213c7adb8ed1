"""ganlab.views.callbacks.StopOnNaN: stop on a non-finite loss, put back the last good weights, say where."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from ganlab import losses
from ganlab.views.callbacks import StopOnNaN, TrainingDiverged


class Recorder(keras.callbacks.Callback):
    """Keeps the model's weights after every batch and at every epoch's end."""

    def __init__(self):
        super().__init__()
        self.after_batch, self.after_epoch = {}, {}
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.after_batch[(self._epoch, batch)] = self.model.get_weights()

    def on_epoch_end(self, epoch, logs=None):
        self.after_epoch[epoch] = self.model.get_weights()


def all_finite(weights):
    return all(np.all(np.isfinite(w)) for w in weights)


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def nan_at_batch(dataset, index):
    """The dataset with its batch number ``index`` (0-based) replaced by NaN; the first batch stays clean."""
    def poison(i, batch):
        return tf.where(i == index, tf.fill(tf.shape(batch), float("nan")), batch)

    return dataset.enumerate().map(poison)


def test_nan_in_the_data_stops_and_restores_the_last_snapshot(make_gan, toy_dataset):
    gan = make_gan(seed=0)
    recorder = Recorder()
    dataset = nan_at_batch(toy_dataset(batches=40), 29)  # GAN.check_dataset only looks at the first batch
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 30: d_loss = nan") as caught:
        gan.fit(dataset, epochs=2, verbose=0, callbacks=[recorder, StopOnNaN(snapshot_every=10)])
    assert "weights from step 20" in str(caught.value)
    # the NaN batch did break the weights ...
    assert not all_finite(recorder.after_batch[(0, 29)])
    assert (0, 30) not in recorder.after_batch  # ... training stopped right there
    # ... and the model holds the snapshot taken after step 20, all finite
    weights = gan.get_weights()
    assert all_finite(weights)
    assert same(weights, recorder.after_batch[(0, 19)])
    assert int(gan.step_counter.numpy()) == 20
    assert gan.diverged == str(caught.value)


def optimizer_state(gan):
    return [v.numpy() for o in (gan.generator_optimizer, gan.discriminator_optimizer) for v in o.variables]


def test_the_optimizers_moments_are_restored_too(make_gan, toy_dataset):
    """Adam's moments and step count go back with the weights, so a second fit does not start from broken moments."""
    gan = make_gan(seed=0)

    class OptimizerRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.after_batch = {}

        def on_train_batch_end(self, batch, logs=None):
            self.after_batch[batch] = optimizer_state(gan)

    recorder = OptimizerRecorder()
    with pytest.raises(TrainingDiverged, match="step 30"):
        gan.fit(nan_at_batch(toy_dataset(batches=40), 29), epochs=1, verbose=0,
                callbacks=[recorder, StopOnNaN(snapshot_every=10)])
    assert not all_finite(recorder.after_batch[29])  # the NaN reached Adam's moments ...
    restored = optimizer_state(gan)
    assert all_finite(restored) and same(restored, recorder.after_batch[19])  # ... and they are back as at step 20
    assert int(gan.generator_optimizer.iterations.numpy()) == 20
    history = gan.fit(toy_dataset(batches=5), epochs=1, verbose=0)  # a second fit trains on from there
    assert all(np.isfinite(v[-1]) for v in history.history.values()) and all_finite(gan.get_weights())


def test_nan_loss_in_the_second_epoch_restores_the_end_of_the_first(make_gan, toy_dataset):
    gan = make_gan(seed=0)

    def breaks_after_24_steps(fake_logits):
        # from the 25th step on (epoch 2, step 5 at 20 steps an epoch) the loss, and its gradient, are NaN
        scale = tf.where(gan.step_counter >= 24, float("nan"), 1.0)
        return scale * losses.non_saturating_generator_loss(fake_logits)

    gan.generator_loss_fn = breaks_after_24_steps
    recorder = Recorder()
    with pytest.raises(TrainingDiverged, match=r"epoch 2, step 5: g_loss = nan") as caught:
        gan.fit(toy_dataset(batches=20), epochs=3, verbose=0, callbacks=[recorder])  # fit adds StopOnNaN itself
    message = str(caught.value)
    assert "d_loss" not in message  # only the loss that broke is named
    assert "learning rate" in message and "softplus" in message  # and the usual causes
    assert not all_finite(recorder.after_batch[(1, 4)])
    weights = gan.get_weights()
    assert all_finite(weights)
    assert same(weights, recorder.after_epoch[0])
    assert int(gan.step_counter.numpy()) == 20


def test_quiet_mode_stops_without_raising(make_gan, toy_dataset):
    gan = make_gan(seed=0)
    callback = StopOnNaN(raise_error=False)
    history = gan.fit(nan_at_batch(toy_dataset(batches=10), 3), epochs=2, verbose=0, callbacks=[callback])
    assert gan.diverged == callback.message and "epoch 1, step 4" in gan.diverged
    assert all_finite(gan.get_weights()) and int(gan.step_counter.numpy()) == 0
    assert len(history.epoch) <= 1


def test_finite_training_is_left_alone(make_gan, toy_dataset):
    gan = make_gan(seed=0)
    callback = StopOnNaN(snapshot_every=3)
    gan.fit(toy_dataset(batches=7), epochs=2, verbose=0, callbacks=[callback])
    assert gan.diverged is None and callback.message is None
    assert int(gan.step_counter.numpy()) == 14
    # the snapshot taken at the last epoch's end: the weights, then the optimizers' state
    assert same(callback._good[:len(gan.weights)], gan.get_weights())
    assert same(callback._good[len(gan.weights):], optimizer_state(gan))


@pytest.mark.bad_input
@pytest.mark.parametrize("value, error", [(0, ValueError), (-5, ValueError), (2.5, TypeError)])
def test_snapshot_every_bad_inputs(value, error):
    with pytest.raises(error, match="snapshot_every must be"):
        StopOnNaN(snapshot_every=value)


@pytest.mark.parametrize("batches, stopped_at, restored", [
    (20, "epoch 1, step 11", "weights from step 5 of that epoch"),
    (10, "epoch 2, step 1", "weights from step 5 of epoch 1"),  # step 10 ends epoch 1: no epoch-end snapshot
], ids=["mid-epoch", "epoch-end"])
def test_a_snapshot_is_never_taken_of_broken_weights(make_gan, toy_dataset, batches, stopped_at, restored):
    """The loss of a step is computed before its update: a finite loss can come with an update that leaves
    NaN weights. If that step is a snapshot step, the snapshot must not keep those weights."""
    gan = make_gan(seed=0)

    def nan_gradient_at_step_10(fake_logits):
        # value: the usual loss (+0); gradient at step 10 only: d sqrt(u)/du at u = 0 is inf, times du/dl = 0 -> NaN
        off = 1.0 - tf.cast(tf.equal(gan.step_counter, 9), tf.float32)
        trap = tf.sqrt(0.0 * tf.reduce_mean(fake_logits) + off) - off
        return losses.non_saturating_generator_loss(fake_logits) + trap

    gan.generator_loss_fn = nan_gradient_at_step_10
    recorder = Recorder()
    with pytest.raises(TrainingDiverged, match=stopped_at) as caught:
        gan.fit(toy_dataset(batches=batches), epochs=2, verbose=0,
                callbacks=[recorder, StopOnNaN(snapshot_every=5)])
    assert not all_finite(recorder.after_batch[(0, 9)])  # step 10: finite loss, broken weights
    weights = gan.get_weights()
    assert all_finite(weights)
    assert same(weights, recorder.after_batch[(0, 4)])  # the step-5 snapshot, the newest good one
    assert restored in str(caught.value)
