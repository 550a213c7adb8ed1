"""Callbacks that every GAN's ``fit`` adds: an epoch-keyed data order and a stop on a non-finite loss."""
from __future__ import annotations

import math

import keras
import numpy as np

from ganlab._checks import positive_int
from ganlab.data.pipeline import EpochPipeline


class EpochClock(keras.callbacks.Callback):
    """Tells a ganlab pipeline which epoch starts, so that a resumed run sees the same batches.

    ``dataset``: the pipeline given to ``fit``; one that is not an :class:`ganlab.data.EpochPipeline`
    (not made by ``ganlab.data``, or transformed after) is left to reshuffle by itself.
    """

    def __init__(self, dataset=None):
        super().__init__()
        self.pipeline = dataset if isinstance(dataset, EpochPipeline) else None

    def on_epoch_begin(self, epoch, logs=None):
        if self.pipeline is not None:
            self.pipeline.set_epoch(int(epoch))


class TrainingDiverged(RuntimeError):
    """Training produced a NaN or infinite loss."""


class StopOnNaN(keras.callbacks.Callback):
    """Stop on a NaN or infinite loss, put back the last good weights, and say why.

    Keras' ``TerminateOnNaN`` stops but leaves the broken weights in the model
    and says nothing about the cause. This callback keeps an in-memory copy of
    the weights and of the optimizers' state (Adam's moments and step count)
    every ``snapshot_every`` batches (and at each epoch's end); when a logged
    loss stops being finite it restores the newest copy, so that a second ``fit``
    (at a lower learning rate, say) starts from a sound state, and raises
    :class:`TrainingDiverged` naming the epoch, the step and the usual causes.
    Set ``raise_error=False`` to stop quietly instead (``model.diverged`` then says what happened).
    """

    def __init__(self, snapshot_every: int = 50, raise_error: bool = True):
        super().__init__()
        self.snapshot_every = positive_int("snapshot_every", snapshot_every, example=50)
        self.raise_error = raise_error
        self._good = None
        self._good_step = None
        self._epoch = 0
        self.message = None

    def _state(self) -> list:
        """The model's weights, then every optimizer's variables (a GAN has two)."""
        optimizers = [getattr(self.model, name, None) for name in ("generator_optimizer", "discriminator_optimizer")]
        optimizers = [o for o in optimizers if o is not None] or [getattr(self.model, "optimizer", None)]
        state = list(self.model.weights)
        for optimizer in optimizers:
            if optimizer is not None:
                state += [v for v in optimizer.variables if all(v is not s for s in state)]
        return state

    def on_train_begin(self, logs=None):
        self._good, self._good_step, self._good_epoch, self.message = self._values(), 0, 0, None
        self.model.diverged = None

    def _values(self) -> list:
        return [np.array(keras.ops.convert_to_numpy(v)) for v in self._state()]

    def _restore(self) -> None:
        for variable, value in zip(self._state(), self._good):
            variable.assign(value)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = {k: v for k, v in (logs or {}).items() if k.endswith("loss") and not math.isfinite(float(v))}
        if bad:
            self._restore()
            self.model.stop_training = True
            self.message = (
                f"Training stopped at epoch {self._epoch + 1}, step {batch + 1}: "
                + ", ".join(f"{k} = {float(v)}" for k, v in bad.items())
                + f". The weights from step {self._good_step} of "
                + ("that epoch" if self._good_epoch == self._epoch else f"epoch {self._good_epoch + 1}")
                + " (the last finite check) are back in "
                "the model. Usual causes: a learning rate too high (try 2e-4 or lower), a WGAN critic without "
                "clipping or gradient penalty, data that is not scaled to [-1, 1] or holds NaNs, or log(0) in a "
                "hand-written loss (use softplus on logits, as ganlab.losses does)."
            )
            self.model.diverged = self.message
        elif (batch + 1) % self.snapshot_every == 0:
            self._snapshot(batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        if self.message is None:
            self._snapshot(0, epoch + 1)

    def _snapshot(self, step, epoch=None):
        # A step's loss is computed before its update: a finite loss does not prove the updated weights are.
        values = self._values()
        if all(np.all(np.isfinite(v)) for v in values if np.issubdtype(v.dtype, np.floating)):
            self._good, self._good_step = values, step
            self._good_epoch = self._epoch if epoch is None else epoch

    def on_train_end(self, logs=None):
        if self.message is not None and self.raise_error:
            raise TrainingDiverged(self.message)


def with_defaults(callbacks, dataset, model) -> list:
    """``fit``'s callbacks with :class:`EpochClock` first and :class:`StopOnNaN` last unless given.

    A callback with a ``check_model(model)`` method is asked first whether it can watch this model, so that
    one that cannot (a sample grid on a GAN without noise) says so before training, not in the middle.
    """
    callbacks = list(callbacks or [])
    for callback in callbacks:
        if hasattr(callback, "check_model"):
            callback.check_model(model)
    if not any(isinstance(c, EpochClock) for c in callbacks):
        callbacks.insert(0, EpochClock(dataset))
    if not any(isinstance(c, StopOnNaN) for c in callbacks):
        callbacks.append(StopOnNaN())
    return callbacks
