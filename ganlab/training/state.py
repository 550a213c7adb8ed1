"""Checkpoints of a whole GAN: both networks, the weight average, both optimizers, the step counter and the
random state of layers such as Dropout, written whole or not at all and read back with errors that say why."""
from __future__ import annotations

import os
import zipfile

import keras


class CheckpointError(OSError):
    """A checkpoint is missing, truncated, or from models of another shape.

    An ``OSError``, so that Keras' ``BackupAndRestore`` falls back to its previous copy.
    """


class WholeState:
    """Mixed into ``keras.Model`` by :class:`ganlab.training.core.Game`: what Keras' weight files leave out,
    and atomic saves."""

    def random_states(self) -> list:
        """The variables of the two networks that Keras' weight files leave out: the states of the random
        generators of layers such as Dropout (in ``model.variables``, not in ``model.weights``)."""
        states = []
        for model in self.networks():
            saved = {id(weight) for weight in model.weights}
            states += [variable for variable in model.variables if id(variable) not in saved]
        return states

    def save_own_variables(self, store):
        for i, variable in enumerate([self.step_counter] + self.random_states()):
            store[f"{i}"] = variable

    def load_own_variables(self, store):
        variables = [self.step_counter] + self.random_states()
        if len(store.keys()) != len(variables):
            raise CheckpointError(
                f"The checkpoint holds {len(store.keys())} GAN state variables but this GAN has {len(variables)}: "
                "it was saved from a GAN with other layers (dropout, say). Build the same models to restore it."
            )
        for i, variable in enumerate(variables):
            variable.assign(store[f"{i}"])

    def all_state(self) -> list:
        """Every variable a checkpoint restores: the model's, the random states and both optimizers'."""
        variables = list(self.variables) + self.random_states()
        for optimizer in (getattr(self, "generator_optimizer", None), getattr(self, "discriminator_optimizer", None)):
            if optimizer is not None:
                variables += list(optimizer.variables)
        return list({id(v): v for v in variables}.values())

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """``keras.Model.save_weights``, written whole or not at all.

        Keras writes the .h5 file in place, so a run killed mid-save (the kill that
        ``BackupAndRestore`` exists for) would leave a truncated checkpoint. This writes a
        temporary file beside it and renames it over the old one, an atomic step: a checkpoint
        on disk is always a complete one. Remote paths (``gs://``) and sharded saves are left to Keras.
        """
        path = os.fspath(filepath)
        leave_to_keras = ("://" in path or not path.endswith(".weights.h5")  # remote, or Keras' own error
                          or kwargs.get("max_shard_size") is not None  # several files
                          or (not overwrite and os.path.exists(path)))  # Keras asks before overwriting
        if leave_to_keras:
            return super().save_weights(path, overwrite=overwrite, **kwargs)
        folder, name = os.path.split(os.path.abspath(path))
        partial = os.path.join(folder, f".{name}.{os.getpid()}.partial.weights.h5")
        try:
            super().save_weights(partial, overwrite=True, **kwargs)
            os.replace(partial, path)
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    def load_weights(self, filepath, *args, **kwargs):
        """``keras.Model.load_weights`` with errors that say what is wrong with the file."""
        if not os.path.exists(filepath):
            raise CheckpointError(f"{filepath} does not exist: check the path, or train first to create it.")
        # Keras copies in whatever matches before it finds a mismatch: keep the state to put back on failure.
        state = self.all_state()
        before = [variable.numpy() for variable in state]
        try:
            return super().load_weights(filepath, *args, **kwargs)
        except (OSError, ValueError, KeyError) as error:
            for variable, value in zip(state, before):
                variable.assign(value)
            if isinstance(error, CheckpointError):
                raise
            raise CheckpointError(
                f"{filepath} could not be restored into this GAN ({type(error).__name__}: {str(error)[:300]}). "
                "If it is truncated (copied or written by other code while being killed: a GAN's own saves are "
                "atomic), delete it and train again; BackupAndRestore(..., double_checkpoint=True) keeps the "
                "previous copy as *.bkp and falls back to it. If it was saved from "
                "models of another shape, or with ema_decay set differently, build the same GAN before loading."
            ) from error


def load_generator(path) -> keras.Model:
    """Load a generator saved with ``gan.generator.save("generator.keras")``, in Keras' safe mode.

    Safe mode refuses files that would run arbitrary Python on loading (a ``Lambda``
    layer's pickled bytecode), so a model downloaded from someone else cannot run code
    on your machine. Nothing in ganlab reads pickles.
    """
    path = os.fspath(path)
    if not path.endswith(".keras"):
        raise ValueError(f"path must name a .keras file (as written by model.save), got {path!r}.")
    if not os.path.exists(path):
        raise CheckpointError(f"{path} does not exist: check the path, or save the generator first.")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path} is not a valid .keras archive: the file is truncated or corrupt. "
                              "Save the generator again.")
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except ValueError as error:
        if "safe_mode" in str(error) or "unsafe" in str(error).lower():
            raise ValueError(f"{path} holds a Lambda layer or other Python code, which safe mode will not run. "
                             "Rebuild the model from ganlab.models and load its weights instead.") from error
        raise CheckpointError(f"{path} could not be loaded ({error}).") from error
    except OSError as error:
        raise CheckpointError(f"{path} is not a readable .keras file (truncated or corrupt?): {error}") from error
