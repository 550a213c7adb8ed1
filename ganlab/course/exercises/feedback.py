"""The result of an exercise check."""
from __future__ import annotations

import dataclasses

import keras
import numpy as np


@dataclasses.dataclass(frozen=True)
class Feedback:
    """``passed`` and a plain-language ``message``; shows as one line in a notebook."""

    passed: bool
    message: str

    def __repr__(self) -> str:
        return ("Correct: " if self.passed else "Not yet: ") + self.message

    def __bool__(self) -> bool:
        return self.passed


def correct(message: str) -> Feedback:
    return Feedback(True, message)


def wrong(message: str) -> Feedback:
    return Feedback(False, message)


def as_number(value, what: str):
    """Turn a learner's result (a tensor, an array, a float) into a NumPy float array, or return Feedback."""
    if isinstance(value, (str, bytes)):
        return wrong(f"{what} returned the text {value!r}; it must return a number or a tensor, not a string.")
    try:
        array = np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)
    except Exception:  # any value that is not numeric gets the same explanation
        return wrong(f"{what} returned {value!r} of type {type(value).__name__}; it must return a number or a tensor.")
    return array


def call(fn, *args, what: str):
    """Call the learner's function; turn a crash or a missing answer into Feedback."""
    if not callable(fn):
        return wrong(f"pass the function itself (its name, without brackets), got {fn!r}.")
    try:
        result = fn(*args)
    except NotImplementedError:
        return wrong(f"{what} is not written yet: replace `raise NotImplementedError` with your code.")
    except Exception as error:  # the learner's code failed: say how, not a traceback
        return wrong(f"{what} raised {type(error).__name__}: {error}. Test it on a small input first.")
    if result is None:
        return wrong(f"{what} returned None: did you forget `return`?")
    return as_number(result, what)
