"""Running the ganlab command in a subprocess, for the tests of `ganlab train` (test_runs, test_multiworker)."""
import os
import sys


def command(*args):
    """`python -m ganlab.course.cli ARGS`, unbuffered, so that a test can read its lines as they come."""
    return [sys.executable, "-u", "-m", "ganlab.course.cli", *args]


def environment(**extra):
    """This environment, quiet, on the CPU, without a TF_CONFIG of its own, plus ``extra``."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", GANLAB_QUICK="1")
    env.pop("TF_CONFIG", None)
    env.update(extra)
    return env
