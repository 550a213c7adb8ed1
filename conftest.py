"""Test-wide settings: tests and notebooks run in quick mode unless told otherwise.

Set here, at the root, so that the kernels nbval starts for notebooks/ inherit it too.
"""
import os
import platform

os.environ.setdefault("GANLAB_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# What `import ganlab` asks for on x86-64 CPUs, set before any test module imports TensorFlow itself.
if platform.machine().lower() in ("x86_64", "amd64"):
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
