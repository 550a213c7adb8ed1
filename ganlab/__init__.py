"""ganlab: the companion package of a hands-on course on Generative Adversarial Networks.

Notebooks import what they need from here: ``ganlab.data``, ``ganlab.models``,
``ganlab.losses``, ``ganlab.training.GAN``, ``ganlab.views.plots`` and the exercise
checks in ``ganlab.course.exercises``.
"""
import os
import platform

# TensorFlow's C++ start-up chatter is noise in a notebook. Without an NVIDIA driver its only "error" is
# the failed CUDA probe, so errors are hidden there too; with a driver, real errors still show.
_has_nvidia = os.path.exists("/proc/driver/nvidia") or os.path.exists("/dev/nvidia0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if _has_nvidia else "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def _onednn_default(environ, machine: str) -> None:
    """Ask TensorFlow for its oneDNN kernels on every x86-64 CPU, unless TF_ENABLE_ONEDNN_OPTS says otherwise.

    TensorFlow turns them on by itself only on CPUs with AVX-512 VNNI or newer; on the many without
    (AVX2 laptops and cloud machines) it falls back to slower kernels. With oneDNN the course's test
    suite ran about 14% faster on a 2-core AVX2 machine (README, "Both cores at work?"); results differ
    from the fallback's only in float rounding. Set TF_ENABLE_ONEDNN_OPTS=0 to keep TensorFlow's choice.
    """
    if machine.lower() in ("x86_64", "amd64"):
        environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


_onednn_default(os.environ, platform.machine())


def _check_backend() -> None:
    """ganlab is written for Keras' TensorFlow backend (tf.GradientTape, tf.data, tf.distribute): say so at once."""
    import sys

    chosen = os.environ["KERAS_BACKEND"]
    if "keras" in sys.modules and hasattr(sys.modules["keras"], "backend"):
        chosen = sys.modules["keras"].backend.backend()  # Keras was imported first and has fixed its backend
    if chosen != "tensorflow":
        raise ImportError(
            f"ganlab needs Keras' TensorFlow backend, but Keras is set to use {chosen!r} (KERAS_BACKEND). "
            "Set KERAS_BACKEND=tensorflow, or unset it, before Python starts (in a notebook: restart the kernel "
            "after changing it), and import ganlab before keras."
        )


_check_backend()


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with C-level stderr closed: its start-up lines (oneDNN, CUDA stubs) are printed
    before its own log level applies and read like errors in a notebook. Import errors still raise.
    Set GANLAB_VERBOSE_TF=1 to see them."""
    if os.environ.get("GANLAB_VERBOSE_TF"):
        import tensorflow  # noqa: F401
        return
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_import_tensorflow_quietly()

from ganlab import device  # noqa: E402
from ganlab.config import pick, quick_mode, seed  # noqa: E402

__version__ = "0.1.0"
__all__ = ["device", "pick", "quick_mode", "seed", "__version__"]
