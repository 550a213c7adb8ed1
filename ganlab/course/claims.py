"""Claims: a notebook states a measured result next to the numbers that back it.

Every result that a notebook's prose states is checked in the run itself::

    claim("the minimax generator stalls while the non-saturating one trains",
          w1_minimax > 2 * w1_non_saturating, w1_minimax=w1_minimax, w1_non_saturating=w1_non_saturating)

prints one plain line, for example::

    claim held: the minimax generator stalls while ... (w1_minimax = 0.91, w1_non_saturating = 0.12)

In quick mode (``GANLAB_QUICK=1``) budgets are too small to show most effects, so a
claim prints its numbers but is not judged. In full mode a claim that does not hold
prints ``claim FAILED`` (it does not raise: the rest of the notebook still runs, and
the learner reads what happened). ``tests/test_claims.py`` reads every notebook's
stored full-run outputs and fails on a failed claim, a claim cell without output,
or a claim stored from a quick-mode run.

A claim must be able to fail on a re-run: numbers read from stored results (a benchmark's ``result.json``,
``sweep.load()``, ``scarce_labels.load_results()``) are printed as stored, never claimed.
``tests/test_claims.py`` traces, cell by cell, which names come from such files and fails on a claim whose
values all do.

State a claim as a comparison with a margin that the effect clears over seeds
(``a > 2 * b``), not as one run's exact numbers: learners re-run on other machines,
where the last bits of float arithmetic differ and training amplifies them.
"""
from __future__ import annotations

import numbers

import numpy as np

from ganlab.config import quick_mode

HELD = "claim held:"
FAILED = "claim FAILED:"
UNCHECKED = "claim not checked (quick mode):"


def _format(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        value = float(value)
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3g}"
        return f"{value:.4g}"
    return str(value)


def claim(statement: str, holds, **values) -> bool:
    """Print whether ``statement`` holds on this run, with the numbers behind it; return ``holds``.

    Args:
        statement: the claim in the words the prose uses.
        holds: one truth value computed from this run's measurements (a Python or NumPy bool).
        values: the measurements the claim rests on, printed as ``name = value``.

    Returns ``holds`` (``False`` if any value is NaN or infinite), so that a notebook
    can branch on it; nothing is raised when a claim fails.
    """
    if not isinstance(statement, str) or not statement.strip():
        raise ValueError("statement must be a non-empty sentence saying what the run shows, "
                         f"got {statement!r}.")
    if isinstance(holds, np.ndarray) and holds.shape == ():
        holds = holds.item()
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(
            f"holds must be one True/False computed from the run (for example a < 0.5 * b), got {holds!r} of type "
            f"{type(holds).__name__}. Reduce an array first (np.all(...), np.mean(...) > 0.9)."
        )
    holds = bool(holds)
    statement = " ".join(statement.split())  # one line, so that tests can read it back
    if any(isinstance(value, numbers.Real) and not np.isfinite(float(value)) for value in values.values()):
        holds = False  # a NaN or an infinity cannot back a claim
    shown = ", ".join(f"{name} = {_format(value)}" for name, value in values.items())
    if quick_mode():
        prefix = UNCHECKED
    else:
        prefix = HELD if holds else FAILED
    print(f"{prefix} {statement}" + (f" ({shown})" if shown else ""))
    return holds
