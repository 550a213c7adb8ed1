"""Test-wide settings: tests and notebooks run in quick mode unless told otherwise.

Set here, at the root, so that the kernels nbval starts for notebooks/ inherit it too.
"""
import os

os.environ.setdefault("GANLAB_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
