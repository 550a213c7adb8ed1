"""The one training step of every GAN in ganlab: ``Game``, a ``keras.Model`` with two players.

Every GAN kind (plain, Wasserstein, unrolled, conditional, semi-supervised, pix2pix, CycleGAN)
is a ``Game`` that says only what differs: what a batch holds (:meth:`Game.unpack`), the
discriminator's loss and the generator's loss. The step itself is written once, here::

    batch = unpack(data)
    for i in range(k):                                    # k discriminator updates
        part = every k-th sample of the batch, from the i-th
        discriminator_step(part, draw=i)                  # descend D's loss
    generator_step(part, draw=k)                          # descend G's loss
    update the weight average of G; count the step; log

``descend`` is the tape, the per-replica scaling of the loss (so that summing the replicas'
gradients averages over the global batch under ``tf.distribute``), the loss scaling of mixed
precision and ``apply_gradients``. A loss function returns ``(loss, logs)``: the scalar to
descend and the values to log, the loss itself among them under its logged name.

Because ``Game`` overrides ``train_step`` only, ``fit``, its progress bar, callbacks and
distribution strategies work as for any Keras model.
"""
from __future__ import annotations

import random

import keras
import tensorflow as tf

from ganlab._checks import positive_float, positive_int
from ganlab.training.averaging import WeightAverage, averaged_copy
from ganlab.training.callbacks import with_defaults
from ganlab.training.checks import check_optimizers, check_real_batches, loss_scaled
from ganlab.training.state import WholeState


def default_optimizer() -> keras.optimizers.Optimizer:
    """Adam 2e-4, beta_1 0.5: Radford et al. (2016), the usual starting point for GANs."""
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


class Game(WeightAverage, WholeState, keras.Model):
    """Two networks, two optimizers, one ``train_step``; subclass it to define a GAN kind.

    A kind sets ``logged`` (the names it logs) and overrides :meth:`discriminator_loss` and
    :meth:`generator_loss`; kinds whose batches are not plain samples override :meth:`unpack`
    and :meth:`check_dataset`, kinds with more than two networks :meth:`networks`,
    :meth:`generator_variables` and :meth:`discriminator_variables` (the first two networks are passed
    as ``generator`` and ``discriminator``, the rest kept as attributes).

    Args:
        generator, discriminator: Keras models (checked by :meth:`check_models`).
        discriminator_steps: k, discriminator updates per generator update; each sees its own
            k-th of the batch (pass batches of k x m for minibatches of m).
        seed: seed of the noise drawn in training (``None``: a random one).
        ema_decay: keep ``ema_generator``, a moving average of the generator's weights (Karras et
            al., 2018; Yazici et al., 2019), used by ``sample``; ``None`` keeps none.
        logged: the names logged, when they depend on the arguments (default: the kind's ``logged``).
    """

    logged: tuple[str, ...] = ()
    samples_from_noise = True  # False for translators: their generator maps images, not noise, to images

    def __init__(self, generator: keras.Model, discriminator: keras.Model, discriminator_steps: int = 1,
                 seed: int | None = None, ema_decay: float | None = None, logged: tuple | None = None,
                 name: str = "gan", **kwargs):
        super().__init__(name=name, **kwargs)
        for arg, model in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(model, keras.Model):
                raise TypeError(f"{arg} must be a keras.Model (for example from ganlab.models), "
                                f"got {type(model).__name__}.")
        self.check_models(generator, discriminator)
        self.generator = generator
        self.discriminator = discriminator
        self.discriminator_steps = positive_int("discriminator_steps", discriminator_steps, example=1)
        self.sample_shape = tuple(generator.output_shape[1:])
        self.latent_dim = int(generator.inputs[0].shape[1]) if self.samples_from_noise else None
        self.ema_decay = None if ema_decay is None else positive_float("ema_decay", ema_decay, maximum=0.99999)
        self.ema_generator = None if ema_decay is None else averaged_copy(generator)
        # Random numbers are drawn statelessly from (seed, step, draw, replica): the step counter is saved with
        # the weights, so a run restored from a checkpoint draws the same numbers as one that never stopped.
        self.noise_seed = int(seed if seed is not None else random.randint(0, 2**31 - 1))
        self.step_counter = self.add_weight(shape=(), initializer="zeros", dtype="int64", trainable=False,
                                            name="step_counter", aggregation="only_first_replica")
        self.trackers = [keras.metrics.Mean(name=name) for name in (logged or self.logged)]
        self.built = True  # the networks are built; Keras would otherwise refuse to fit

    # -- what a kind says ---------------------------------------------------------------------------
    def check_models(self, generator: keras.Model, discriminator: keras.Model) -> None:
        """Raise a ``ValueError`` if the networks cannot play this kind's game (called by ``__init__``)."""

    def unpack(self, data) -> dict:
        """The batch as named tensors, cast to the model's dtype: here ``{"real": samples}``."""
        real = data[0] if isinstance(data, (tuple, list)) else data
        return {"real": tf.cast(real, self.compute_dtype)}

    def discriminator_loss(self, batch: dict, draw: int = 0):
        """``(loss, logs)`` for one discriminator update on ``batch``; ``draw`` numbers the update (0..k-1)."""
        raise NotImplementedError(f"{type(self).__name__} must define discriminator_loss(batch, draw).")

    def generator_loss(self, batch: dict, draw: int = -1):
        """``(loss, logs)`` for the generator's update; ``batch`` is the step's last discriminator minibatch."""
        raise NotImplementedError(f"{type(self).__name__} must define generator_loss(batch, draw).")

    def networks(self) -> list:
        """Every network the kind trains (checkpoints save their random states): here G and D."""
        return [self.generator, self.discriminator]

    def generator_variables(self) -> list:
        return self.generator.trainable_variables

    def discriminator_variables(self) -> list:
        return self.discriminator.trainable_variables

    def after_discriminator_update(self) -> None:
        """Called after every discriminator update (weight clipping uses it)."""

    @property
    def trains_discriminator(self) -> bool:
        """False for a kind trained by its generator's loss alone (pix2pix as plain regression)."""
        return True

    # -- the step, written once ---------------------------------------------------------------------
    def train_step(self, data):
        batch = self.unpack(data)
        k = self.discriminator_steps
        part = batch
        for i in range(k if self.trains_discriminator else 0):  # unrolled: k is a Python int
            part = {name: value[i::k] for name, value in batch.items()}
            self.record(self.discriminator_step(part, draw=i))
        self.record(self.generator_step(part, draw=k))
        if self.ema_generator is not None:
            self.update_ema()
        self.step_counter.assign_add(1)
        return self.logs()

    def discriminator_step(self, batch: dict, draw: int = 0) -> dict:
        """One discriminator update on ``batch`` (``unpack``'s named tensors); returns its logs."""
        logs = self.descend(self.discriminator_optimizer, self.discriminator_variables(),
                            lambda: self.discriminator_loss(batch, draw=draw))
        self.after_discriminator_update()
        return logs

    def generator_step(self, batch: dict, draw: int = -1) -> dict:
        """One generator update; ``batch`` is the step's last discriminator minibatch. Returns its logs."""
        return self.descend(self.generator_optimizer, self.generator_variables(),
                            lambda: self.generator_loss(batch, draw=draw))

    @staticmethod
    def descend(optimizer, variables, loss_function) -> dict:
        """One gradient step of ``optimizer`` on ``variables`` down the loss that ``loss_function()`` returns."""
        with tf.GradientTape() as tape:
            loss, logs = loss_function()
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            scaled = optimizer.scale_loss(loss if replicas == 1 else loss * (1.0 / replicas))
        optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return logs

    def record(self, logs: dict) -> None:
        """Add one update's values to the logged means (reset by Keras every epoch)."""
        for tracker in self.trackers:
            if tracker.name in logs:
                tracker.update_state(logs[tracker.name])

    def logs(self) -> dict:
        """The step's logs: every logged mean so far this epoch."""
        return replica_logs({tracker.name: tracker.result() for tracker in self.trackers})

    @property
    def metrics(self):
        return list(self.trackers)  # listed here so that Keras resets them at the start of every epoch

    # -- random numbers -------------------------------------------------------------------------------
    def random_key(self, stream: int, draw: int | None = None):
        """A stateless seed, a pure function of (seed, stream, step, draw, replica): every replica draws its own
        numbers and a resumed run the same as an uninterrupted one. The noise of draw d is stream d."""
        return stateless_key(self.noise_seed, stream, self.step_counter, draw)

    def noise(self, n, draw: int = 0):
        """(n, latent_dim) N(0, 1) noise for draw number ``draw`` of the current step."""
        return tf.random.stateless_normal((n, self.latent_dim), seed=self.random_key(draw))

    # -- using the trained model (kinds that have noise or a one-input judge override these) ----------------
    def sample(self, n: int, seed: int | None = 0, batch_size: int = 1024, raw: bool = False):
        raise TypeError(f"{type(self).__name__} has no noise to sample from: its generator translates images. "
                        "Use translate(images).")

    def discriminate(self, x, batch_size: int = 1024):
        raise TypeError(f"{type(self).__name__} does not say how its discriminator judges a bare sample.")

    # -- compiling and fitting ----------------------------------------------------------------------
    def default_optimizers(self):
        return default_optimizer(), default_optimizer()

    def compile(self, generator_optimizer=None, discriminator_optimizer=None, **kwargs):
        """Set the two optimizers (default: :meth:`default_optimizers`) and Keras' usual options.

        ``kwargs`` go to ``keras.Model.compile``. ``jit_compile`` is off unless given (XLA was
        measured slower on CPUs). Under a ``mixed_float16`` policy each optimizer is wrapped in a
        ``LossScaleOptimizer``.
        """
        kwargs.setdefault("jit_compile", False)
        defaults = self.default_optimizers()
        generator_optimizer = generator_optimizer or defaults[0]
        discriminator_optimizer = discriminator_optimizer or defaults[1]
        check_optimizers(generator_optimizer, discriminator_optimizer)
        generator_optimizer, discriminator_optimizer = loss_scaled(generator_optimizer, discriminator_optimizer)
        # The G optimizer doubles as Keras' own `optimizer`, so that Keras' callbacks find a built one.
        super().compile(optimizer=generator_optimizer, **kwargs)
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer
        # Built now, on their own variables, so that fit works under MirroredStrategy and restores work.
        self.generator_optimizer.build(self.generator_variables())
        self.discriminator_optimizer.build(self.discriminator_variables())

    def fit(self, x=None, y=None, epochs=1, callbacks=None, **kwargs):
        """``keras.Model.fit`` on a ``tf.data.Dataset``, with its input checked first.

        Adds :class:`EpochClock` (an epoch-keyed data order) and :class:`StopOnNaN` (stops on a
        non-finite loss and restores the last good weights) unless already given.
        """
        if not getattr(self, "compiled", False):
            raise RuntimeError("Call gan.compile(...) before gan.fit(...): the optimizers are set there.")
        if y is not None:
            raise ValueError("y must be None: a GAN learns from its dataset alone; pass only the dataset as x.")
        self.check_dataset(x)
        callbacks = with_defaults(callbacks, x, self)
        kwargs.setdefault("shuffle", False)  # ganlab pipelines shuffle themselves; Keras would only warn
        return super().fit(x, epochs=positive_int("epochs", epochs, example=10), callbacks=callbacks, **kwargs)

    def check_dataset(self, dataset) -> None:
        """Raise a clear error if ``dataset`` does not fit this GAN (shape, dtype, scale, batch size)."""
        check_real_batches(dataset, self.sample_shape, self.generator, self.discriminator_steps)


def stateless_key(seed: int, stream: int, step, draw: int | None = None):
    """The seed of a stateless random op: (seed, stream) folded with the step, the draw and the replica's number."""
    key = tf.random.experimental.stateless_fold_in(tf.constant([seed, stream], tf.int64), tf.cast(step, tf.int64))
    if draw is not None:
        key = tf.random.experimental.stateless_fold_in(key, draw)
    context = tf.distribute.get_replica_context()
    if context is not None:
        key = tf.random.experimental.stateless_fold_in(key, context.replica_id_in_sync_group)
    return key


def replica_logs(logs: dict) -> dict:
    """Under several workers (MultiWorkerMirroredStrategy) each value gets shape (1,): Keras 3 averages the
    replicas' logs along axis 0, which fails on scalars there ("Invalid reduction dimension 0 for input with
    0 dimensions"; tensorflow/tensorflow#72388)."""
    strategy = tf.distribute.get_strategy()
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        if len(strategy.cluster_resolver.cluster_spec().as_dict().get("worker", [])) > 1:
            return {name: tf.reshape(value, [1]) for name, value in logs.items()}
    return logs
