"""What hardware is there, and how to train on it.

``setup()`` is called once, at the top of a notebook, before any model is
built. It finds a TPU, GPUs or the CPU, turns on GPU memory growth, chooses a
``tf.distribute`` strategy and a Keras precision policy, and returns a
:class:`Hardware` record whose ``describe()`` is the line the setup cell prints.

Choices and why:

* Precision: ``mixed_float16`` only on GPUs with tensor cores (compute
  capability 7.0 or newer), where float16 matrix maths is several times faster;
  ``mixed_bfloat16`` on TPU; ``float32`` on the CPU, where half precision is
  slower, not faster.
* XLA (``jit_compile``): off on the CPU, where it was measured slower for
  small GANs (see the README's speed section), on for GPUs and TPUs.
* Strategy: one device -> TensorFlow's default strategy (no overhead), several
  GPUs -> ``MirroredStrategy``, TPU -> ``TPUStrategy``.
"""
from __future__ import annotations

import dataclasses
import os

from ganlab._checks import one_of, positive_int

PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")


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
        import keras
        import tensorflow as tf

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
    import tensorflow as tf

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
    import tensorflow as tf

    for gpu in gpus:
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if not capability or tuple(capability) < (7, 0):
            return False
    return bool(gpus)


def setup(precision: str = "auto", jit_compile: bool | str = "auto", memory_growth: bool = True,
          cpu_replicas: int | None = None) -> Hardware:
    """Find the hardware, configure TensorFlow for it and return a :class:`Hardware`.

    Args:
        precision: ``"auto"`` (float16 on tensor-core GPUs, bfloat16 on TPU,
            float32 elsewhere) or one of ``"float32"``, ``"mixed_float16"``,
            ``"mixed_bfloat16"`` to override. Sets Keras' global policy.
        jit_compile: ``"auto"`` (off on CPU, on elsewhere), ``True`` or ``False``.
        memory_growth: let TensorFlow take GPU memory as it needs it instead of
            all at once (must run before the GPUs are first used).
        cpu_replicas: on a CPU-only machine, split the CPU into this many logical
            devices and train under a ``MirroredStrategy`` over them. Only useful
            for testing distributed code; must be called before TensorFlow runs
            anything.
    """
    import keras
    import tensorflow as tf

    one_of("precision", precision, PRECISIONS)
    one_of("jit_compile", jit_compile, ("auto", True, False))

    tpu = _find_tpu()
    if tpu is not None:
        strategy = tf.distribute.TPUStrategy(tpu)
        names = [d.name for d in tf.config.list_logical_devices("TPU")]
        kind, auto_precision, details = "TPU", "mixed_bfloat16", [f"{len(names)} TPU cores"]
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
            auto_precision = "mixed_float16" if _has_tensor_cores(gpus) else "float32"
        else:
            kind, auto_precision = "CPU", "float32"
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

    chosen = auto_precision if precision == "auto" else precision
    keras.mixed_precision.set_global_policy(chosen)
    xla = (kind != "CPU") if jit_compile == "auto" else bool(jit_compile)
    return Hardware(kind=kind, device_names=names, strategy=strategy, precision=chosen,
                    jit_compile=xla, details=details)
