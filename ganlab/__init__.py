"""ganlab: the companion package of a hands-on course on Generative Adversarial Networks.

Notebooks import what they need from here: ``ganlab.data``, ``ganlab.models``,
``ganlab.losses``, ``ganlab.training.GAN``, ``ganlab.plots`` and the exercise
checks in ``ganlab.exercises``.
"""
import os

# TensorFlow's C++ start-up chatter is noise in a notebook. Without an NVIDIA driver its only "error" is
# the failed CUDA probe, so errors are hidden there too; with a driver, real errors still show.
_has_nvidia = os.path.exists("/proc/driver/nvidia") or os.path.exists("/dev/nvidia0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if _has_nvidia else "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from ganlab.config import pick, quick_mode, seed  # noqa: E402

__version__ = "0.1.0"
__all__ = ["pick", "quick_mode", "seed", "__version__"]
