"""Argument checks shared by every public function.

Each check raises a ``ValueError`` (or ``TypeError``) whose message names the
argument, says what was wrong and how to fix it, before any TensorFlow code
runs. Library code calls these instead of ``assert``.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any


def positive_int(name: str, value: Any, *, minimum: int = 1, example: int | None = None) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer, got {value!r} of type {type(value).__name__}. "
            f"Pass a whole number such as {name}={example or max(minimum, 1) * 64}."
        )
    if value < minimum:
        raise ValueError(
            f"{name} must be at least {minimum}, got {value}. "
            f"Pass a whole number such as {name}={example or max(minimum, 1) * 64}."
        )
    return int(value)


def positive_float(name: str, value: Any, *, allow_zero: bool = False, maximum: float | None = None) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number > 0 (>= 0 with allow_zero)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} of type {type(value).__name__}.")
    value = float(value)
    low_ok = value >= 0 if allow_zero else value > 0
    if not low_ok or value != value or value in (float("inf"), float("-inf")):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}.")
    return value


def shape(name: str, value: Any, *, ndim: Sequence[int] | None = None) -> tuple[int, ...]:
    """Return ``value`` as a tuple of positive ints, or raise.

    ``ndim`` lists the accepted lengths, for example ``(1, 3)``.
    """
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"{name} must be a tuple of positive integers such as (28, 28, 1), "
            f"got {value!r} of type {type(value).__name__}. Write a 1-element shape as (2,), not 2."
        )
    dims = tuple(value)
    if not dims or any(isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1 for d in dims):
        raise ValueError(f"{name} must be a non-empty tuple of positive integers such as (28, 28, 1), got {value!r}.")
    if ndim is not None and len(dims) not in ndim:
        allowed = " or ".join(str(n) for n in ndim)
        raise ValueError(f"{name} must have {allowed} dimensions, got {len(dims)}: {value!r}.")
    return tuple(int(d) for d in dims)


def int_sequence(name: str, value: Any, *, allow_empty: bool = False) -> tuple[int, ...]:
    """Return ``value`` (layer widths, say) as a tuple of positive ints, or raise."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, Iterable) or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of positive integers such as (256, 512), got {value!r}.")
    items = tuple(value)
    if not items and not allow_empty:
        raise ValueError(f"{name} must name at least one layer width, got an empty sequence.")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral) or item < 1:
            raise ValueError(
                f"{name} must hold positive integers (layer widths), got {value!r}: "
                f"{item!r} is not a positive integer."
            )
    return tuple(int(i) for i in items)


def one_of(name: str, value: Any, options: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``options``, or raise listing them."""
    options = list(options)
    if value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}.")
    return value


def samples(name: str, value: Any, sample_shape: Sequence[int], fits: str) -> "np.ndarray":
    """Return ``value`` as a float32 array (n, *sample_shape) of finite numbers, or raise saying what ``fits`` needs."""
    import numpy as np

    array = np.asarray(value, np.float32)
    expected = tuple(sample_shape)
    if array.ndim < 2 or tuple(array.shape[1:]) != expected:
        raise ValueError(f"{name} must be samples of shape (n, {', '.join(map(str, expected))}) to fit {fits}, "
                         f"got {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} holds NaN or infinite values: check how the samples were made.")
    return array
