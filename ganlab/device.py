"""What hardware is there, and how to train on it.

``setup()`` is called once, at the top of a notebook, before any model is
built. It finds a TPU, GPUs or the CPU, turns on GPU memory growth, chooses a
``tf.distribute`` strategy and a Keras precision policy, and returns a
:class:`Hardware` record whose ``describe()`` is the line the setup cell prints.

Choices and why:

* Precision: ``float32`` everywhere unless asked. ``precision="mixed"`` opts in
  to the mixed policy that suits the hardware (``mixed_float16`` on GPUs,
  ``mixed_bfloat16`` on TPUs). Half precision changes the dtype of the input
  gradients that R1 and the gradient penalty take, and no GPU run of the course
  has yet shown it correct and faster (``benchmarks/precision.py`` measures
  both; the README says what has been measured).
* XLA (``jit_compile``): off unless asked (``jit_compile=True``). On two CPU
  cores it made a DCGAN step slower (see the README's speed section); on GPUs
  it is unmeasured here.
* Strategy: one device -> TensorFlow's default strategy (no overhead), several
  GPUs -> ``MirroredStrategy``, TPU -> ``TPUStrategy``.
* CPU kernels: ``import ganlab`` asks TensorFlow for its oneDNN kernels on x86-64
  CPUs (``TF_ENABLE_ONEDNN_OPTS=1`` unless already set), which TensorFlow itself
  turns on only on CPUs with AVX-512 VNNI or newer; :func:`onednn` says whether they
  are on. Threads and steps per execution keep TensorFlow's and Keras' defaults
  (``benchmarks/cores.py`` measured both).

The last :class:`Hardware` set up is kept (:func:`current`), so that library
code that builds models for the learner (``sweep.build``) builds them under its
strategy (:func:`scope`). Training never reads it: ``GAN.compile`` takes
``jit_compile`` from its caller.
"""
from __future__ import annotations

import dataclasses
import os
import warnings

import keras
import tensorflow as tf

from ganlab._checks import one_of, positive_int

PRECISIONS = ("float32", "mixed", "mixed_float16", "mixed_bfloat16")
_current: Hardware | None = None


@dataclasses.dataclass
class Hardware:
    """The result of :func:`setup`: the devices found and the choices made for them."""

    kind: str  # "TPU", "GPU" or "CPU"
    device_names: list[str]
    strategy: object  # a tf.distribute.Strategy
    precision: str
    jit_compile: bool
    details: list[str] = dataclasses.field(default_factory=list)

    @property
    def replicas(self) -> int:
        """How many copies of the model train in step (the global batch is split among them)."""
        return int(self.strategy.num_replicas_in_sync)

    def describe(self) -> str:
        """One line for a notebook's setup cell."""
        names = ", ".join(self.details or self.device_names)
        strategy = type(self.strategy).__name__.replace("_DefaultDistributionStrategy", "default strategy")
        return (
            f"{self.kind}: {names} | strategy {strategy} ({self.replicas} replica"
            f"{'s' if self.replicas != 1 else ''}) | precision {self.precision} | "
            f"XLA {'on' if self.jit_compile else 'off'} | TensorFlow {tf.__version__}, Keras {keras.__version__}"
        )

    def __str__(self) -> str:  # print(hardware) gives the same line
        return self.describe()


def _find_tpu():
    if not (os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME") or os.path.exists("/dev/accel0")):
        return None
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return resolver
    except (ValueError, RuntimeError, tf.errors.OpError):
        return None


def _has_tensor_cores(gpus) -> bool:
    for gpu in gpus:
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if not capability or tuple(capability) < (7, 0):
            return False
    return bool(gpus)


def setup(precision: str = "float32", jit_compile: bool = False, memory_growth: bool = True,
          cpu_replicas: int | None = None) -> Hardware:
    """Find the hardware, configure TensorFlow for it and return a :class:`Hardware`.

    Args:
        precision: ``"float32"`` (the default, everywhere), ``"mixed"`` (opt in:
            ``mixed_float16`` on GPUs, ``mixed_bfloat16`` on TPUs; on a CPU it
            stays float32, with a warning, since half precision is slower there),
            or ``"mixed_float16"`` / ``"mixed_bfloat16"`` to force one. Sets Keras'
            global policy.
        jit_compile: XLA, recorded as ``hardware.jit_compile`` for the caller to pass on:
            ``gan.compile(jit_compile=hardware.jit_compile)`` (``False``, the default, or ``True``).
        memory_growth: let TensorFlow take GPU memory as it needs it instead of
            all at once (must run before the GPUs are first used).
        cpu_replicas: on a CPU-only machine, split the CPU into this many logical
            devices and train under a ``MirroredStrategy`` over them. Only useful
            for testing distributed code; must be called before TensorFlow runs
            anything.
    """
    one_of("precision", precision, PRECISIONS)
    if jit_compile not in (True, False):
        raise ValueError(f"jit_compile must be True or False, got {jit_compile!r}; XLA is opt-in "
                         "(jit_compile=True) until a measurement on your hardware shows it faster.")

    tpu = _find_tpu()
    if tpu is not None:
        strategy = tf.distribute.TPUStrategy(tpu)
        names = [d.name for d in tf.config.list_logical_devices("TPU")]
        kind, mixed, details = "TPU", "mixed_bfloat16", [f"{len(names)} TPU cores"]
    else:
        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            if memory_growth:
                for gpu in gpus:
                    try:
                        tf.config.experimental.set_memory_growth(gpu, True)
                    except RuntimeError:  # GPUs already initialised: growth can no longer change
                        pass
            names = [g.name for g in gpus]
            details = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
            strategy = tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
            kind = "GPU"
            mixed = "mixed_float16" if _has_tensor_cores(gpus) else "float32"
        else:
            kind, mixed = "CPU", "float32"
            if cpu_replicas is not None:
                positive_int("cpu_replicas", cpu_replicas, example=2)
                cpu = tf.config.list_physical_devices("CPU")[0]
                try:
                    tf.config.set_logical_device_configuration(
                        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(cpu_replicas)])
                except RuntimeError as error:
                    if len(tf.config.list_logical_devices("CPU")) != cpu_replicas:
                        raise RuntimeError(
                            "cpu_replicas can only be set before TensorFlow has run anything: "
                            "call ganlab.device.setup(cpu_replicas=...) first, in a fresh process."
                        ) from error
            names = [d.name for d in tf.config.list_logical_devices("CPU")]
            if len(names) > 1:
                strategy = tf.distribute.MirroredStrategy(names)
            else:
                strategy = tf.distribute.get_strategy()
            details = [f"{os.cpu_count()} CPU cores"] + ([f"{len(names)} logical devices"] if len(names) > 1 else [])

    chosen = mixed if precision == "mixed" else precision
    if precision == "mixed" and chosen == "float32":
        warnings.warn(f"precision='mixed' stays float32 on this {kind}: half precision is only faster on GPUs with "
                      "tensor cores (compute capability 7.0+) and on TPUs.", stacklevel=2)
    keras.mixed_precision.set_global_policy(chosen)
    global _current
    _current = Hardware(kind=kind, device_names=names, strategy=strategy, precision=chosen,
                        jit_compile=bool(jit_compile), details=details)
    return _current


def onednn() -> bool | None:
    """Whether TensorFlow runs its oneDNN CPU kernels in this process (``None`` if this TensorFlow cannot say)."""
    try:
        from tensorflow.python.util import _pywrap_util_port  # TensorFlow's own test of the same switch
    except ImportError:
        return None
    return bool(_pywrap_util_port.IsMklEnabled())


def current() -> Hardware | None:
    """The :class:`Hardware` of the last :func:`setup` in this process, or ``None`` before any."""
    return _current


def scope():
    """The scope of the strategy of the last :func:`setup` (TensorFlow's default strategy before any).

    Library code that builds and compiles models for the learner (``sweep.build``) builds them under it,
    as the notebooks do with ``hardware.strategy.scope()``: on one device it changes nothing; with
    several, the variables are mirrored on each.
    """
    return (_current.strategy if _current is not None else tf.distribute.get_strategy()).scope()
