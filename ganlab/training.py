"""The ``GAN`` model: two networks, two optimizers, one ``train_step``.

``GAN`` subclasses ``keras.Model`` and overrides ``train_step`` only, so
``fit``, its progress bar, callbacks (History, TensorBoard, ModelCheckpoint,
BackupAndRestore) and ``tf.distribute`` strategies work as they do for any
Keras model (notebook 01 introduces it; later notebooks extend it).

One training step, given a batch of real samples, follows Algorithm 1 of
Goodfellow et al. (2014):

1. ``discriminator_steps`` (k) times: take the next k-th of the batch as real
   samples, draw as many noise vectors, and update D to lower
   ``discriminator_loss``;
2. draw fresh noise and update G to lower the generator loss.

With k = 1 the whole batch serves one D update. With k > 1 the batch is
split, so every D update sees different real samples, as in the algorithm:
pass batches of k x m to get D minibatches of m.
"""
from __future__ import annotations

import os
import random

import keras
import numpy as np
import tensorflow as tf

from ganlab import device, losses
from ganlab._checks import one_of, positive_float, positive_int, samples


def _default_optimizer():
    # Adam 2e-4, beta_1 0.5: Radford et al. (2016), the usual starting point for GANs.
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


def _output_is_tanh(model: keras.Model) -> bool:
    for layer in reversed(model.layers):
        activation = getattr(layer, "activation", None)
        if activation is not None:
            return activation is keras.activations.tanh
    return False


class CheckpointError(OSError):
    """A checkpoint is missing, truncated, or from models of another shape.

    An ``OSError``, so that Keras' ``BackupAndRestore`` falls back to its previous copy.
    """


class EpochClock(keras.callbacks.Callback):
    """Tells a ganlab pipeline which epoch starts, so that a resumed run sees the same batches.

    ``dataset``: the pipeline given to ``fit``; one without an ``epoch_counter`` (not made by
    ``ganlab.data``, or transformed after) is left to reshuffle by itself.
    """

    def __init__(self, dataset=None):
        super().__init__()
        self.counter = getattr(dataset, "epoch_counter", None)

    def on_epoch_begin(self, epoch, logs=None):
        if self.counter is not None:
            self.counter.assign(int(epoch))


class GAN(keras.Model):
    """A generative adversarial network trained with ``fit``.

    Args:
        generator: a Keras model mapping noise (batch, latent_dim) to samples.
        discriminator: a Keras model mapping samples to logits (batch, 1).
        discriminator_steps: k, discriminator updates per generator update.
        generator_loss: "non_saturating" (default) or "minimax" (the saturating
            loss of the original value function), or a function of fake logits.
        seed: seed of the noise drawn during training (``None``: from ``ganlab.seed``).
        r1_weight: gamma of the R1 penalty gamma / 2 * E||grad D(real)||^2 added to D's loss
            (Mescheder et al., 2018; ``losses.r1_penalty``); 0 (the default) adds none.
        ema_decay: keep ``ema_generator``, an exponential moving average of the generator's weights
            (Karras et al., 2018; Yazici et al., 2019), and draw ``sample`` from it; ``None`` (the
            default) keeps none. See :meth:`update_ema`.

    Metrics logged each step: ``d_loss``, ``g_loss``, ``d_real`` (mean D(x) on
    real samples) and ``d_fake`` (mean D(G(z))). At the equilibrium both are 1/2.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, discriminator_steps: int = 1,
                 generator_loss="non_saturating", seed: int | None = None, r1_weight: float = 0.0,
                 ema_decay: float | None = None, name: str = "gan", **kwargs):
        super().__init__(name=name, **kwargs)
        for arg, model in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(model, keras.Model):
                raise TypeError(f"{arg} must be a keras.Model (for example from ganlab.models), got {type(model).__name__}.")
        self.check_models(generator, discriminator)
        sample_shape = tuple(generator.output_shape[1:])
        if callable(generator_loss):
            self.generator_loss_fn = generator_loss
        else:
            self.generator_loss_fn = losses.GENERATOR_LOSSES[one_of("generator_loss", generator_loss, losses.GENERATOR_LOSSES)]
        self.generator = generator
        self.discriminator = discriminator
        self.discriminator_steps = positive_int("discriminator_steps", discriminator_steps, example=1)
        self.r1_weight = positive_float("r1_weight", r1_weight, allow_zero=True)
        self.latent_dim = int(generator.inputs[0].shape[1])  # input 0 is the noise (conditional G: labels too)
        self.sample_shape = sample_shape
        self.ema_decay = None if ema_decay is None else positive_float("ema_decay", ema_decay, maximum=0.99999)
        self.ema_generator = None if ema_decay is None else _averaged_copy(generator)
        # Noise is drawn statelessly from (seed, step, draw, replica): the step counter is saved with the
        # weights, so a run restored from a checkpoint draws the same noise as one that never stopped.
        self.noise_seed = int(seed if seed is not None else random.randint(0, 2**31 - 1))
        self.step_counter = self.add_weight(shape=(), initializer="zeros", dtype="int64", trainable=False,
                                            name="step_counter", aggregation="only_first_replica")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.built = True  # the two networks are built; Keras would otherwise refuse to fit

    # -- setting up -------------------------------------------------------------------------
    def check_models(self, generator: keras.Model, discriminator: keras.Model) -> None:
        """Raise a ``ValueError`` if the two networks cannot play this GAN's game (called by ``__init__``).

        Here: G maps one noise input (batch, latent_dim) to samples, and D maps samples of that shape to one
        logit each. Subclasses whose networks take other inputs (``translation.Pix2Pix``) override it.
        """
        if len(generator.inputs) != 1 or len(generator.input_shape) != 2:
            raise ValueError(f"generator must take one noise input of shape (batch, latent_dim), got {generator.input_shape}.")
        sample_shape = tuple(generator.output_shape[1:])
        if tuple(discriminator.input_shape[1:]) != sample_shape:
            raise ValueError(
                f"generator makes samples of shape {sample_shape} but discriminator expects "
                f"{tuple(discriminator.input_shape[1:])}: build both for the same data shape."
            )
        if tuple(discriminator.output_shape[1:]) != (1,):
            raise ValueError(
                f"discriminator must output one logit per sample, shape (batch, 1), got {discriminator.output_shape}. "
                "End it with Dense(1) and no sigmoid: the losses take logits."
            )

    def compile(self, generator_optimizer=None, discriminator_optimizer=None, **kwargs):
        """Set the two optimizers (default Adam 2e-4, beta_1 0.5) and Keras' usual options.

        ``kwargs`` go to ``keras.Model.compile`` (``steps_per_execution``,
        ``jit_compile``, ``run_eagerly``). ``jit_compile`` defaults to the choice of
        the last ``ganlab.device.setup`` (off unless asked: XLA was measured slower
        on CPUs and is unmeasured on GPUs here). Under a ``mixed_float16`` policy each
        optimizer is wrapped in a ``LossScaleOptimizer``.
        """
        if "jit_compile" not in kwargs:  # XLA only when asked, here or in ganlab.device.setup(jit_compile=True)
            kwargs["jit_compile"] = bool(device.current() and device.current().jit_compile)
        generator_optimizer = generator_optimizer or _default_optimizer()
        discriminator_optimizer = discriminator_optimizer or _default_optimizer()
        for arg, optimizer in (("generator_optimizer", generator_optimizer),
                               ("discriminator_optimizer", discriminator_optimizer)):
            if not isinstance(optimizer, keras.optimizers.Optimizer):
                raise TypeError(f"{arg} must be a keras.optimizers.Optimizer such as keras.optimizers.Adam(2e-4), "
                                f"got {optimizer!r}.")
            rate = optimizer.learning_rate
            if not callable(rate) and float(keras.ops.convert_to_numpy(rate)) <= 0:
                raise ValueError(f"{arg} has learning rate {float(keras.ops.convert_to_numpy(rate))}; it must be > 0 "
                                 "(typical values are 1e-4 to 1e-3).")
        if generator_optimizer is discriminator_optimizer:
            raise ValueError("generator_optimizer and discriminator_optimizer must be two different optimizer objects: "
                             "each keeps its own moments for its own network.")
        if keras.mixed_precision.global_policy().name == "mixed_float16":
            generator_optimizer = self._loss_scaled(generator_optimizer)
            discriminator_optimizer = self._loss_scaled(discriminator_optimizer)
        # The G optimizer doubles as Keras' own `optimizer`, so that Keras' callbacks find a built one.
        super().compile(optimizer=generator_optimizer, **kwargs)
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer
        # Built now, on their own variables, so that fit works under MirroredStrategy and restores work.
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    # -- saving: Keras leaves out the random state of layers such as Dropout; a resumed run needs it ------
    def _random_states(self):
        """The variables of the two networks that Keras' weight files leave out: the states of the random
        generators of layers such as Dropout (in ``model.variables``, not in ``model.weights``)."""
        states = []
        for model in (self.generator, self.discriminator):
            saved = {id(weight) for weight in model.weights}
            states += [variable for variable in model.variables if id(variable) not in saved]
        return states

    def save_own_variables(self, store):
        own = self._trainable_variables + self._non_trainable_variables
        for i, variable in enumerate(own + self._random_states()):
            store[f"{i}"] = variable

    def load_own_variables(self, store):
        variables = self._trainable_variables + self._non_trainable_variables + self._random_states()
        if len(store.keys()) != len(variables):
            raise CheckpointError(
                f"The checkpoint holds {len(store.keys())} GAN state variables but this GAN has {len(variables)}: "
                "it was saved from a GAN with other layers (dropout, say). Build the same models to restore it."
            )
        for i, variable in enumerate(variables):
            variable.assign(store[f"{i}"])

    def _all_state(self):
        optimizers = [getattr(self, "generator_optimizer", None), getattr(self, "discriminator_optimizer", None)]
        variables = list(self.variables) + self._random_states()
        for optimizer in optimizers:
            if optimizer is not None:
                variables += list(optimizer.variables)
        unique = {id(v): v for v in variables}
        return list(unique.values())

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
        state = self._all_state()
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

    @staticmethod
    def _loss_scaled(optimizer):
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            return optimizer
        return keras.optimizers.LossScaleOptimizer(optimizer)

    @property
    def metrics(self):
        # Listed here so that Keras resets them at the start of every epoch.
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    # -- one step -----------------------------------------------------------------------------
    def noise(self, n, draw: int = 0):
        """(n, latent_dim) N(0, 1) noise for draw number ``draw`` of the current step.

        A pure function of (seed, step, draw, replica): every replica of a
        distributed run draws different noise, and a resumed run the same as an
        uninterrupted one.
        """
        key = tf.random.experimental.stateless_fold_in(tf.constant([self.noise_seed, draw], tf.int64),
                                                       tf.cast(self.step_counter, tf.int64))
        context = tf.distribute.get_replica_context()
        if context is not None:
            key = tf.random.experimental.stateless_fold_in(key, context.replica_id_in_sync_group)
        return tf.random.stateless_normal((n, self.latent_dim), seed=key)

    def discriminator_step(self, real, draw: int = 0):
        """One update of D on ``real`` and as many generated samples; returns (loss, real logits, fake logits)."""
        fake = self.generator(self.noise(tf.shape(real)[0], draw), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            loss = self.discriminator_loss(real_logits, fake_logits, real=real, fake=fake, draw=draw)
            scaled = self.discriminator_optimizer.scale_loss(_per_replica(loss))
        variables = self.discriminator.trainable_variables
        self.discriminator_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return loss, real_logits, fake_logits

    def discriminator_loss(self, real_logits, fake_logits, real=None, fake=None, draw: int = 0):
        """D's loss for one update, plus the R1 penalty on ``real`` when ``r1_weight`` > 0; subclasses (WGAN-GP)
        add terms that need the samples. ``draw`` numbers the D update within the step (0 to k - 1), for
        terms that draw random numbers of their own."""
        loss = losses.discriminator_loss(real_logits, fake_logits)
        if self.r1_weight and real is not None:
            loss = loss + losses.r1_penalty(self.discriminator, real, self.r1_weight)
        return loss

    def generator_step(self, n, draw: int = -1, real=None):
        """One update of G on n fresh noise vectors; returns G's loss.

        ``real`` is the step's last real minibatch, for generators whose loss needs it (``UnrolledGAN``
        looks ahead with it); the plain GAN's does not."""
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(self.noise(n, draw), training=True), training=True)
            loss = self.generator_loss_fn(fake_logits)
            scaled = self.generator_optimizer.scale_loss(_per_replica(loss))
        variables = self.generator.trainable_variables
        self.generator_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return loss

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        real = tf.cast(real, self.compute_dtype)
        k = self.discriminator_steps
        d_losses = []
        for i in range(k):  # unrolled: k is a Python int
            part = real[i::k]
            d_loss, real_logits, fake_logits = self.discriminator_step(part, draw=i)
            d_losses.append(d_loss)
        g_loss = self.generator_step(tf.shape(part)[0], draw=k, real=part)
        if self.ema_generator is not None:
            self.update_ema()
        self.step_counter.assign_add(1)
        self.track(tf.add_n(d_losses) / k, g_loss, real_logits, fake_logits)
        return _logs(self.metrics)

    def update_ema(self):
        """Move ``ema_generator`` towards the generator: ema = d * ema + (1 - d) * weights, after each G step.

        d = min(ema_decay, (1 + t) / (10 + t)) at step t, a warm-up as in TensorFlow's
        ``ExponentialMovingAverage(num_updates=t)``: early on the average forgets the random
        initial weights quickly, later it spans about 1 / (1 - ema_decay) steps. Trainable weights
        are averaged; the rest (batch norm's moving mean and variance) are copied, so the averaged
        weights are normalised by the raw network's recent statistics (measured against averaging
        them too: see ``benchmarks/recipe_levers.py``).
        """
        step = tf.cast(self.step_counter, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + step) / (10.0 + step))
        for weight, average in zip(self.generator.weights, self.ema_generator.weights):
            if weight.trainable:
                d = tf.cast(decay, average.dtype)
                average.assign(d * average + (1 - d) * tf.cast(weight, average.dtype))
            else:
                average.assign(weight)

    def track(self, d_loss, g_loss, real_logits, fake_logits):
        """Update the logged metrics from one step's losses and D's last outputs."""
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(tf.reduce_mean(tf.sigmoid(tf.cast(real_logits, tf.float32))))
        self.d_fake_tracker.update_state(tf.reduce_mean(tf.sigmoid(tf.cast(fake_logits, tf.float32))))

    # -- training -------------------------------------------------------------------------------
    def fit(self, x=None, y=None, epochs=1, callbacks=None, **kwargs):
        """``keras.Model.fit`` on a ``tf.data.Dataset`` of real samples, with its input checked first.

        Adds :class:`EpochClock` (epoch-keyed data order) and
        :class:`ganlab.callbacks.StopOnNaN` (stops on a non-finite loss and
        restores the last good weights) unless already given.
        """
        from ganlab.callbacks import StopOnNaN

        if not getattr(self, "compiled", False):
            raise RuntimeError("Call gan.compile(...) before gan.fit(...): the optimizers are set there.")
        if y is not None:
            raise ValueError("y must be None: a GAN learns from samples alone; pass only the dataset as x.")
        self.check_dataset(x)
        callbacks = list(callbacks or [])
        if not any(isinstance(c, EpochClock) for c in callbacks):
            callbacks.insert(0, EpochClock(x))
        if not any(isinstance(c, StopOnNaN) for c in callbacks):
            callbacks.append(StopOnNaN())
        kwargs.setdefault("shuffle", False)  # ganlab pipelines shuffle themselves; Keras would only warn
        return super().fit(x, epochs=positive_int("epochs", epochs, example=10), callbacks=callbacks, **kwargs)

    def check_dataset(self, dataset) -> None:
        """Raise a clear error if ``dataset`` does not fit this GAN (shape, dtype, scale, batch size)."""
        if not isinstance(dataset, tf.data.Dataset):
            raise TypeError(
                f"x must be a tf.data.Dataset of real samples (for example ganlab.data.mnist(batch_size=64) or "
                f"ganlab.data.array_dataset(array, batch_size=64)), got {type(dataset).__name__}."
            )
        spec = dataset.element_spec
        if isinstance(spec, tuple):
            spec = spec[0]
        if not isinstance(spec, tf.TensorSpec):
            raise TypeError(f"x must yield tensors of samples, got elements of type {spec}.")
        if tuple(spec.shape[1:]) != self.sample_shape:
            raise ValueError(
                f"x yields batches of shape {tuple(spec.shape)} but this GAN makes samples of shape "
                f"{self.sample_shape}: batch the data (dataset.batch(64)) and build the models for shape "
                f"{tuple(spec.shape[1:])}, or reshape the data."
            )
        if not spec.dtype.is_floating:
            raise TypeError(f"x yields {spec.dtype.name} tensors; convert to float32 (images: x / 127.5 - 1).")
        batch = spec.shape[0]
        if batch is not None and batch < self.discriminator_steps:
            raise ValueError(f"batch size {batch} is smaller than discriminator_steps={self.discriminator_steps}: "
                             "each discriminator step needs at least one real sample. Use larger batches.")
        first = next(iter(dataset.take(1)), None)
        if first is None:
            raise ValueError("x is empty: it yields no batch. Check the data loading and that batch_size is not "
                             "larger than the dataset when drop_remainder=True.")
        first = np.asarray(first[0] if isinstance(first, (tuple, list)) else first)
        if not np.all(np.isfinite(first)):
            raise ValueError("x contains NaN or infinite values in its first batch; clean the data before training.")
        if _output_is_tanh(self.generator) and np.abs(first).max() > 1.0 + 1e-3:
            raise ValueError(
                f"x holds values in [{first.min():.3g}, {first.max():.3g}] but the generator ends in tanh and can "
                "only make values in [-1, 1]. Scale images to [-1, 1] (pixels / 127.5 - 1, or "
                "ganlab.data.to_unit_range)."
            )

    # -- using the trained model -------------------------------------------------------------------
    @property
    def sampling_generator(self) -> keras.Model:
        """The network that ``sample`` draws from: ``ema_generator`` if the GAN keeps one, else ``generator``."""
        return self.generator if self.ema_generator is None else self.ema_generator

    def sample(self, n: int, seed: int | None = 0, batch_size: int = 1024, raw: bool = False) -> np.ndarray:
        """Draw ``n`` samples as a NumPy array (n, *sample_shape); the same seed gives the same noise.

        They come from ``sampling_generator`` (the weight average when there is one);
        ``raw=True`` draws from the trained ``generator`` itself.
        """
        positive_int("n", n, example=64)
        noise = self.fixed_noise(n, seed)
        network = self.generator if raw else self.sampling_generator
        parts = [network(noise[i:i + batch_size], training=False) for i in range(0, n, batch_size)]
        return np.concatenate([keras.ops.convert_to_numpy(p) for p in parts]).astype(np.float32)

    def fixed_noise(self, n: int, seed: int | None = 0) -> np.ndarray:
        """The (n, latent_dim) noise that ``sample(n, seed)`` uses: fixed for a fixed seed."""
        return np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)

    def discriminate(self, x, batch_size: int = 1024) -> np.ndarray:
        """D(x): the probability, shape (n,), that D gives each sample of ``x`` being real."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim == 1 and self.sample_shape == (1,):
            x = x[:, None]
        if x.shape[1:] != self.sample_shape:
            raise ValueError(f"x must have shape (n, {', '.join(map(str, self.sample_shape))}), got {x.shape}.")
        logits = [keras.ops.convert_to_numpy(self.discriminator(x[i:i + batch_size], training=False))
                  for i in range(0, len(x), batch_size)]
        return 1.0 / (1.0 + np.exp(-np.concatenate(logits)[:, 0].astype(np.float64)))


def _logs(metrics) -> dict:
    """The step's logs. Under several workers (MultiWorkerMirroredStrategy) each value is given shape (1,):
    Keras 3 averages the replicas' logs with a reduction along axis 0, which fails on scalars there
    ("Invalid reduction dimension 0 for input with 0 dimensions"; tensorflow/tensorflow#72388)."""
    logs = {metric.name: metric.result() for metric in metrics}
    strategy = tf.distribute.get_strategy()
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and _workers(strategy) > 1:
        logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
    return logs


def _workers(strategy) -> int:
    return len(strategy.cluster_resolver.cluster_spec().as_dict().get("worker", [])) or 1


def _per_replica(loss):
    """Scale a replica's mean loss so that summing gradients over replicas averages over the global batch."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else loss * (1.0 / replicas)


class WGAN(GAN):
    """A Wasserstein GAN: a critic instead of a discriminator, and a Lipschitz constraint (notebook 03).

    Args:
        generator, critic: as for :class:`GAN`; the critic outputs one score per sample.
        constraint: ``"gradient_penalty"`` (WGAN-GP, Gulrajani et al., 2017) or
            ``"clipping"`` (the original WGAN, Arjovsky et al., 2017).
        critic_steps: critic updates per generator update (5 in both papers).
        penalty_weight: lambda of the gradient penalty (10 in the paper).
        clip_value: c, the bound on every critic weight under clipping (0.01 in the paper).

    No moving average of the generator unless ``ema_decay`` is given here.
    Default optimizers (``compile()`` with none given) are the papers': RMSprop 5e-5
    for clipping, Adam 1e-4 with beta_1 = 0, beta_2 = 0.9 for the penalty.
    Logged: ``critic_loss``, ``g_loss``, ``wasserstein`` (E[f(x)] - E[f(G(z))], the
    critic's estimate of the distance) and, with the penalty, ``gradient_penalty``.
    """

    CONSTRAINTS = ("gradient_penalty", "clipping")

    def __init__(self, generator: keras.Model, critic: keras.Model, constraint: str = "gradient_penalty",
                 critic_steps: int = 5, penalty_weight: float = 10.0, clip_value: float = 0.01,
                 seed: int | None = None, ema_decay: float | None = None, name: str = "wgan", **kwargs):
        critic_steps = positive_int("critic_steps", critic_steps, example=5)
        super().__init__(generator, critic, discriminator_steps=critic_steps,
                         generator_loss=losses.wasserstein_generator_loss, seed=seed, ema_decay=ema_decay,
                         name=name, **kwargs)
        self.constraint = one_of("constraint", constraint, self.CONSTRAINTS)
        self.penalty_weight = positive_float("penalty_weight", penalty_weight)
        self.clip_value = positive_float("clip_value", clip_value)
        self.critic_loss_tracker = keras.metrics.Mean(name="critic_loss")
        self.wasserstein_tracker = keras.metrics.Mean(name="wasserstein")
        self.penalty_tracker = keras.metrics.Mean(name="gradient_penalty")

    @property
    def critic(self) -> keras.Model:
        return self.discriminator

    @staticmethod
    def default_optimizer(constraint: str) -> keras.optimizers.Optimizer:
        """The paper's optimizer: RMSprop 5e-5 for clipping, Adam 1e-4 with beta (0, 0.9) for the penalty."""
        if constraint == "clipping":
            return keras.optimizers.RMSprop(learning_rate=5e-5)
        return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.0, beta_2=0.9)

    def compile(self, generator_optimizer=None, discriminator_optimizer=None, **kwargs):
        super().compile(generator_optimizer or self.default_optimizer(self.constraint),
                        discriminator_optimizer or self.default_optimizer(self.constraint), **kwargs)

    @property
    def metrics(self):
        tracked = [self.critic_loss_tracker, self.g_loss_tracker, self.wasserstein_tracker]
        return tracked + ([self.penalty_tracker] if self.constraint == "gradient_penalty" else [])

    def discriminator_loss(self, real_scores, fake_scores, real=None, fake=None, draw: int = 0):
        """The Wasserstein critic loss, plus :meth:`penalty` (logged as ``gradient_penalty``) under the penalty."""
        loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
        if self.constraint == "gradient_penalty":
            penalty = self.penalty(real, fake, draw)
            self.penalty_tracker.update_state(penalty)
            loss = loss + penalty
        return loss

    def penalty(self, real, fake, draw: int = 0):
        """lambda * E[(||grad f(x_hat)|| - 1)^2] (:func:`ganlab.losses.gradient_penalty`), its interpolation
        weights drawn from (seed, step, ``draw``, replica), so that a resumed run draws the same."""
        return losses.gradient_penalty(self.critic, real, fake, self.penalty_weight, seed=self._penalty_seed(draw))

    def _penalty_seed(self, draw: int):
        key = tf.random.experimental.stateless_fold_in(tf.constant([self.noise_seed, 7919], tf.int64),
                                                       tf.cast(self.step_counter, tf.int64))
        key = tf.random.experimental.stateless_fold_in(key, draw)
        context = tf.distribute.get_replica_context()
        if context is not None:
            key = tf.random.experimental.stateless_fold_in(key, context.replica_id_in_sync_group)
        return key

    def discriminator_step(self, real, draw: int = 0):
        result = super().discriminator_step(real, draw)
        if self.constraint == "clipping":
            losses.clip_weights(self.critic, self.clip_value)
        return result

    def track(self, d_loss, g_loss, real_scores, fake_scores):
        self.critic_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        estimate = tf.reduce_mean(tf.cast(real_scores, tf.float32)) - tf.reduce_mean(tf.cast(fake_scores, tf.float32))
        self.wasserstein_tracker.update_state(estimate)  # the penalty is logged by discriminator_loss


class UnrolledGAN(GAN):
    """A GAN whose generator looks ahead: it is scored by the discriminator ``unroll_steps`` updates later.

    Metz et al. (2017): before each generator update the discriminator's next
    ``unroll_steps`` updates are simulated (on tensors, with plain gradient descent
    at ``unroll_learning_rate``; the real discriminator is not changed), and the
    generator's loss is taken against that future discriminator, differentiated
    through the simulated updates. A generator that crowds onto one mode is then
    penalised for the discriminator's answer to it, not rewarded by today's
    discriminator, which is what drives collapse (notebook 04). Each generator step
    costs about ``unroll_steps`` extra discriminator steps, and their second-order
    gradients. With ``unroll_steps=0`` this is a plain :class:`GAN`. No moving average of the
    generator unless ``ema_decay`` is given here.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, unroll_steps: int = 5,
                 unroll_learning_rate: float = 1e-2, ema_decay: float | None = None, name: str = "unrolled_gan",
                 **kwargs):
        super().__init__(generator, discriminator, ema_decay=ema_decay, name=name, **kwargs)
        self.unroll_steps = positive_int("unroll_steps", unroll_steps, minimum=0, example=5)
        self.unroll_learning_rate = positive_float("unroll_learning_rate", unroll_learning_rate)

    def generator_step(self, n, draw: int = -1, real=None):
        """G's update against D after ``unroll_steps`` simulated updates on ``real``, the step's last real
        minibatch."""
        if self.unroll_steps == 0:
            return super().generator_step(n, draw)
        if real is None:
            raise ValueError("UnrolledGAN.generator_step needs real, the real minibatch its simulated "
                             "discriminator updates train on (train_step passes the step's last one).")
        judge = self.discriminator
        frozen = list(judge.non_trainable_variables)
        with tf.GradientTape() as tape:
            weights = [tf.convert_to_tensor(v) for v in judge.trainable_variables]
            for i in range(self.unroll_steps):
                fake = self.generator(self.noise(n, draw + 1 + i), training=True)
                with tf.GradientTape() as inner:
                    inner.watch(weights)
                    real_logits, _ = judge.stateless_call(weights, frozen, real, training=True)
                    fake_logits, _ = judge.stateless_call(weights, frozen, fake, training=True)
                    loss = self.discriminator_loss(real_logits, fake_logits)
                gradients = inner.gradient(loss, weights)
                weights = [w - self.unroll_learning_rate * g for w, g in zip(weights, gradients)]
            fake = self.generator(self.noise(n, draw), training=True)
            fake_logits, _ = judge.stateless_call(weights, frozen, fake, training=True)
            loss = self.generator_loss_fn(fake_logits)
            scaled = self.generator_optimizer.scale_loss(_per_replica(loss))
        variables = self.generator.trainable_variables
        self.generator_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return loss


def _averaged_copy(generator: keras.Model) -> keras.Model:
    """A frozen clone of ``generator`` with its current weights, to hold their moving average."""
    try:
        copy = keras.models.clone_model(generator)
    except Exception as error:  # subclassed models without get_config cannot be cloned
        raise TypeError(f"ema_decay needs a generator keras.models.clone_model can copy (a functional or "
                        f"Sequential model, as ganlab.models builds); this one failed: {error}") from error
    copy.name = f"{generator.name}_ema"
    copy.set_weights(generator.get_weights())
    copy.trainable = False  # it is never trained, only assigned: keep its weights out of GAN.trainable_weights
    return copy


def train_critic(critic: keras.Model, real, fake, constraint: str = "gradient_penalty", steps: int = 2000,
                 batch_size: int = 256, penalty_weight: float = 10.0, clip_value: float = 0.01, optimizer=None,
                 seed: int = 0) -> np.ndarray:
    """Train a critic alone, towards optimality, between two fixed sets of samples (notebook 03).

    The generator is held fixed: ``fake`` stands for its samples. Each step draws a
    batch from each set and takes one step on the WGAN critic loss, with the gradient
    penalty or followed by weight clipping, and the optimizer ``WGAN`` would use
    (Adam 1e-4, beta (0, 0.9) for the penalty; RMSprop 5e-5 for clipping). This
    isolates what each constraint lets the critic learn (Gulrajani et al., 2017,
    figure 1). Returns the batch estimate E f(real) - E f(fake) at every step.
    """
    constraint = one_of("constraint", constraint, WGAN.CONSTRAINTS)
    steps = positive_int("steps", steps, example=2000)
    batch_size = positive_int("batch_size", batch_size, example=256)
    penalty_weight = positive_float("penalty_weight", penalty_weight)
    clip_value = positive_float("clip_value", clip_value)
    real = samples("real", real, critic.input_shape[1:], "the critic's input")
    fake = samples("fake", fake, critic.input_shape[1:], "the critic's input")
    optimizer = optimizer or WGAN.default_optimizer(constraint)

    @tf.function
    def step(real_batch, fake_batch, key):
        with tf.GradientTape() as tape:
            real_scores = critic(real_batch, training=True)
            fake_scores = critic(fake_batch, training=True)
            loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
            if constraint == "gradient_penalty":
                loss += losses.gradient_penalty(critic, real_batch, fake_batch, penalty_weight, seed=key)
        optimizer.apply_gradients(zip(tape.gradient(loss, critic.trainable_variables), critic.trainable_variables))
        if constraint == "clipping":
            losses.clip_weights(critic, clip_value)
        return tf.reduce_mean(real_scores) - tf.reduce_mean(fake_scores)

    rng = np.random.default_rng(seed)
    estimates = np.empty(steps)
    for i in range(steps):
        real_batch = real[rng.integers(0, len(real), batch_size)]
        fake_batch = fake[rng.integers(0, len(fake), batch_size)]
        estimates[i] = float(step(real_batch, fake_batch, tf.constant([seed, i], tf.int64)))
    return estimates


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
    import zipfile

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
