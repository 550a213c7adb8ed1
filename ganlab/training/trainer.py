"""``Trainer``: what a model trained by one optimizer on one loss needs to behave like ganlab's GANs (notebook 10).

The VAE and the diffusion model (:mod:`ganlab.training.vae`, :mod:`ganlab.training.diffusion`) are
``keras.Model`` subclasses that override ``train_step`` and are trained by ``fit`` on the package's
pipelines. From the GANs' :class:`ganlab.training.core.Game` they take the same contract:

* random numbers drawn statelessly from (seed, stream, step, replica), with the step counter a weight,
  so a run resumed from ``save_weights``/``load_weights`` or ``keras.callbacks.BackupAndRestore``
  draws what an uninterrupted one would;
* atomic checkpoints and clear errors on loading (:class:`ganlab.training.state.WholeState`);
* ``fit`` adds :class:`EpochClock` and :class:`StopOnNaN` and checks the dataset first.
"""
from __future__ import annotations

import random

import keras
import tensorflow as tf

from ganlab._checks import positive_int
from ganlab.training.callbacks import EpochClock, StopOnNaN
from ganlab.training.checks import check_real_batches
from ganlab.training.core import Game
from ganlab.training.state import WholeState


class Trainer(WholeState, keras.Model):
    """A model with one optimizer, a saved step counter and stateless noise; subclasses write ``train_step``.

    Args:
        seed: seed of the noise drawn in training (``None``: a random one).
        sample_shape: the shape of one training sample, checked against the dataset by ``fit``.
    """

    logged: tuple[str, ...] = ("loss",)

    def __init__(self, sample_shape, seed: int | None = None, name: str = "trainer", **kwargs):
        super().__init__(name=name, **kwargs)
        self.sample_shape = tuple(int(d) for d in sample_shape)
        self.noise_seed = int(seed if seed is not None else random.randint(0, 2**31 - 1))
        self.step_counter = self.add_weight(shape=(), initializer="zeros", dtype="int64", trainable=False,
                                            name="step_counter", aggregation="only_first_replica")
        self.trackers = [keras.metrics.Mean(name=name) for name in self.logged]

    # -- what a subclass says ----------------------------------------------------------------------------
    def networks(self) -> list:
        """The networks trained (checkpoints save their random states)."""
        raise NotImplementedError

    def default_optimizer(self) -> keras.optimizers.Optimizer:
        return keras.optimizers.Adam(1e-3)

    # -- pieces of a step ----------------------------------------------------------------------------------
    def random_key(self, stream: int):
        """A stateless seed, a pure function of (seed, stream, step, replica), as in ``Game.random_key``."""
        key = tf.random.experimental.stateless_fold_in(tf.constant([self.noise_seed, stream], tf.int64),
                                                       tf.cast(self.step_counter, tf.int64))
        context = tf.distribute.get_replica_context()
        if context is not None:
            key = tf.random.experimental.stateless_fold_in(key, context.replica_id_in_sync_group)
        return key

    def unpack(self, data):
        """The images of a batch (a plain batch, or the first part of (images, labels)), as floats."""
        images = data[0] if isinstance(data, (tuple, list)) else data
        return tf.cast(images, self.compute_dtype)

    def descend(self, loss_function) -> dict:
        """One optimizer step down ``loss_function()``'s loss (per-replica scaling as in ``Game.descend``)."""
        return Game.descend(self.optimizer, self.trainable_variables, loss_function)

    def record(self, logs: dict) -> dict:
        for tracker in self.trackers:
            if tracker.name in logs:
                tracker.update_state(logs[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.trackers}

    @property
    def metrics(self):
        return list(self.trackers)  # so that Keras resets them at the start of every epoch

    # -- compiling and fitting ---------------------------------------------------------------------------
    def compile(self, optimizer=None, **kwargs):
        """Set the optimizer (default :meth:`default_optimizer`), built at once on the trained variables."""
        kwargs.setdefault("jit_compile", False)
        super().compile(optimizer=optimizer or self.default_optimizer(), **kwargs)
        self.optimizer.build(self.trainable_variables)

    def all_state(self) -> list:
        """Every variable a checkpoint restores: the model's, the random states and the optimizer's."""
        variables = list(self.variables) + self.random_states()
        if getattr(self, "optimizer", None) is not None:
            variables += list(self.optimizer.variables)
        return list({id(v): v for v in variables}.values())

    def fit(self, x=None, y=None, epochs=1, callbacks=None, **kwargs):
        """``keras.Model.fit`` on a ``tf.data.Dataset`` of images, with :class:`EpochClock` and :class:`StopOnNaN`."""
        if not getattr(self, "compiled", False):
            raise RuntimeError(f"Call {self.name}.compile() before fit: the optimizer is set there.")
        if y is not None:
            raise ValueError("y must be None: the model learns from its dataset alone; pass only the dataset as x.")
        check_real_batches(x, self.sample_shape, None)
        callbacks = list(callbacks or [])
        if not any(isinstance(c, EpochClock) for c in callbacks):
            callbacks.insert(0, EpochClock(x))
        if not any(isinstance(c, StopOnNaN) for c in callbacks):
            callbacks.append(StopOnNaN())
        kwargs.setdefault("shuffle", False)
        return super().fit(x, epochs=positive_int("epochs", epochs, example=10), callbacks=callbacks, **kwargs)
