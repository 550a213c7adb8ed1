"""Keras callbacks for GAN training."""
from __future__ import annotations

import math

import keras
import numpy as np

from ganlab._checks import positive_int


class TrainingDiverged(RuntimeError):
    """Training produced a NaN or infinite loss."""


class StopOnNaN(keras.callbacks.Callback):
    """Stop on a NaN or infinite loss, put back the last good weights, and say why.

    Keras' ``TerminateOnNaN`` stops but leaves the broken weights in the model
    and says nothing about the cause. This callback keeps an in-memory copy of
    the weights every ``snapshot_every`` batches (and at each epoch's end);
    when a logged loss stops being finite it restores the newest copy and
    raises :class:`TrainingDiverged` naming the epoch, the step and the usual causes.
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

    def on_train_begin(self, logs=None):
        self._good, self._good_step, self.message = self.model.get_weights(), 0, None
        self.model.diverged = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = {k: v for k, v in (logs or {}).items() if k.endswith("loss") and not math.isfinite(float(v))}
        if bad:
            self.model.set_weights(self._good)
            self.model.stop_training = True
            self.message = (
                f"Training stopped at epoch {self._epoch + 1}, step {batch + 1}: "
                + ", ".join(f"{k} = {float(v)}" for k, v in bad.items())
                + f". The weights from step {self._good_step} of that epoch (the last finite check) are back in "
                "the model. Usual causes: a learning rate too high (try 2e-4 or lower), a WGAN critic without "
                "clipping or gradient penalty, data that is not scaled to [-1, 1] or holds NaNs, or log(0) in a "
                "hand-written loss (use softplus on logits, as ganlab.losses does)."
            )
            self.model.diverged = self.message
        elif (batch + 1) % self.snapshot_every == 0:
            self._good, self._good_step = self.model.get_weights(), batch + 1

    def on_epoch_end(self, epoch, logs=None):
        if self.message is None:
            self._good, self._good_step = self.model.get_weights(), 0

    def on_train_end(self, logs=None):
        if self.message is not None and self.raise_error:
            raise TrainingDiverged(self.message)
