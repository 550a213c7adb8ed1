"""ganlab.course.claims: one printed line per claim, and every stored notebook's claims held in its full run."""
import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest

from ganlab.course import claims

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Notebooks whose prose has been audited against claim checks, and the fewest claims each must make.
AUDITED = {"01": 26, "02": 12, "03": 11, "04": 18}
MINIMUM_CLAIMS = 6
CALL = re.compile(r"(?<![\w.])(?:claims\.)?claim\(")
# Calls that read results stored with the package or a benchmark instead of measuring this run.
STORED_LOADERS = {"sweep.load", "scarce_labels.load_results", "json.load", "json.loads", "np.load", "numpy.load"}
# Claims on stored numbers that wait for their notebook's next full run, to become printed values (notebook: count).
STORED_CLAIMS_LEFT = {}


# -- the helper ---------------------------------------------------------------------------------------------

def test_a_claim_that_holds_prints_one_line_with_its_numbers(monkeypatch, capsys):
    monkeypatch.delenv("GANLAB_QUICK", raising=False)
    assert claims.claim("W1 falls by more than half", np.float64(0.1) < 0.5 * 0.9, before=0.9, after=np.float32(0.1),
                        steps=12000) is True
    assert capsys.readouterr().out == "claim held: W1 falls by more than half (before = 0.9, after = 0.1, steps = 12,000)\n"


def test_a_claim_that_fails_says_so_and_does_not_raise(monkeypatch, capsys):
    monkeypatch.delenv("GANLAB_QUICK", raising=False)
    assert claims.claim("D wins\n   early", False, d_real=0.51) is False
    assert capsys.readouterr().out == "claim FAILED: D wins early (d_real = 0.51)\n"


def test_a_nan_never_backs_a_claim(monkeypatch, capsys):
    monkeypatch.delenv("GANLAB_QUICK", raising=False)
    assert claims.claim("the loss is small", True, loss=float("nan")) is False
    assert capsys.readouterr().out.startswith(claims.FAILED)


def test_quick_mode_prints_the_numbers_but_does_not_judge(monkeypatch, capsys):
    monkeypatch.setenv("GANLAB_QUICK", "1")
    claims.claim("FD below 10", False, fd=140.0)
    assert capsys.readouterr().out == "claim not checked (quick mode): FD below 10 (fd = 140)\n"


@pytest.mark.bad_input
def test_holds_must_be_one_truth_value():
    with pytest.raises(TypeError, match=r"holds must be one True/False.*np\.all"):
        claims.claim("all samples are finite", np.array([True, False]))
    with pytest.raises(TypeError, match="holds must be one True/False"):
        claims.claim("the distance is small", 0.3)
    with pytest.raises(ValueError, match="statement must be a non-empty sentence"):
        claims.claim("  ", True)
    assert claims.claim("a 0-d array is one value", np.array(True)) is True


# -- the stored notebooks -----------------------------------------------------------------------------------

def claim_lines(cell):
    text = "".join("".join(output.get("text", "")) for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream")
    return [line for line in text.splitlines() if line.startswith((claims.HELD, claims.FAILED, claims.UNCHECKED))]


def claim_calls(cell):
    code = [line.split("#")[0] for line in "".join(cell["source"]).splitlines()]
    return sum(len(CALL.findall(line)) for line in code if not line.lstrip().startswith(("import", "from")))


def stored_claims(path):
    """Per claim cell: (cell index, claims called in its source, claim lines in its stored output)."""
    cells = json.loads(path.read_text())["cells"]
    return [(i, claim_calls(cell), claim_lines(cell)) for i, cell in enumerate(cells)
            if cell["cell_type"] == "code" and claim_calls(cell)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_stored_claim_held_in_the_full_run(path):
    for index, calls, lines in stored_claims(path):
        assert len(lines) >= calls, (f"{path.name}, cell {index}: {calls} claim(s) in the code but {len(lines)} in "
                                     "the stored output; run the notebook in full mode and save it with its outputs.")
        failed = [line for line in lines if not line.startswith(claims.HELD)]
        assert not failed, (f"{path.name}, cell {index}: the stored run has claims that did not hold or were not "
                            f"checked (a quick-mode run was saved?): {failed}. Change the experiment or the text.")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_audited_notebooks_back_their_prose_with_claims(path):
    number = path.name[:2]
    held = sum(len(lines) for _, _, lines in stored_claims(path))
    assert held >= AUDITED.get(number, MINIMUM_CLAIMS), f"{path.name} states only {held} checked claims"


def test_the_stored_output_check_catches_a_failed_or_missing_claim(tmp_path):
    cell = {"cell_type": "code", "source": ["claims.claim('x', a > b)\n", "claim('y', True)  # claim(z)\n"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["claim held: x\n"]}]}
    path = tmp_path / "99_test.ipynb"
    path.write_text(json.dumps({"cells": [cell]}))
    assert stored_claims(path) == [(0, 2, ["claim held: x"])]
    with pytest.raises(AssertionError, match="2 claim"):
        test_every_stored_claim_held_in_the_full_run(path)
    cell["outputs"][0]["text"] = ["claim held: x\n", "claim FAILED: y\n"]
    path.write_text(json.dumps({"cells": [cell]}))
    with pytest.raises(AssertionError, match="did not hold"):
        test_every_stored_claim_held_in_the_full_run(path)


# -- claims must be able to fail on this run --------------------------------------------------------------

def _dotted(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _names(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _bound(target) -> tuple[set[str], set[str]]:
    """(names an assignment binds anew, names it changes in place: ``rows[i] = ...``, ``row.x = ...``)."""
    if isinstance(target, ast.Name):
        return {target.id}, set()
    if isinstance(target, (ast.Tuple, ast.List)):
        parts = [_bound(element) for element in target.elts]
        return set().union(*(p[0] for p in parts)), set().union(*(p[1] for p in parts))
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    while isinstance(target, (ast.Subscript, ast.Attribute)):
        target = target.value
    return set(), ({target.id} if isinstance(target, ast.Name) else set())


def _reads_stored(node) -> bool:
    return any(isinstance(n, ast.Call) and _dotted(n.func) in STORED_LOADERS for n in ast.walk(node))


def stored_only_claims(cells) -> list[tuple[int, str]]:
    """(cell index, statement) of every claim whose values come only from stored files.

    A name is *stored* when it is bound from a call in ``STORED_LOADERS`` or from an expression using a stored
    name (a function is stored when its body uses one); the cells are read in order, as a kernel runs them. A
    claim is stored-only when every name in its arguments that the notebook binds is stored: its outcome was
    fixed before the run began, so it cannot fail on a re-run. Print such numbers as stored instead of claiming.
    """
    stored, bound, found = set(), set(), []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        code = "\n".join(line for line in "".join(cell["source"]).splitlines() if not line.lstrip().startswith(("!", "%")))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and CALL.match(_dotted(node.func) + "("):
                used = set().union(*(_names(arg) for arg in node.args[1:2] + [k.value for k in node.keywords]))
                used &= bound
                if used and used <= stored:
                    statement = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else "?"
                    found.append((index, str(statement)))
            targets, value = [], None
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                value = node.value
            elif isinstance(node, (ast.For, ast.comprehension)):
                targets, value = [node.target], node.iter
            elif isinstance(node, ast.FunctionDef):
                bound.add(node.name)
                if _names(node) & stored or _reads_stored(node):
                    stored.add(node.name)
                else:
                    stored.discard(node.name)
                continue
            if value is None:
                continue
            from_stored = _reads_stored(value) or bool(_names(value) & stored)
            for target in targets:
                rebound, changed = _bound(target)
                bound |= rebound | changed
                if from_stored:
                    stored |= rebound | changed
                else:
                    stored -= rebound  # a name bound anew from this run's values is no longer stored
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_claim_rests_only_on_stored_files(path):
    found = stored_only_claims(json.loads(path.read_text())["cells"])
    left = STORED_CLAIMS_LEFT.get(path.name[:2], 0)
    assert len(found) == left, (f"{path.name}: {len(found)} claim(s) computed only from stored files (cell, claim): "
                                f"{found}; a claim must be able to fail on this run: print stored numbers instead"
                                + (f" ({left} known, waiting for a full re-run)" if left else ""))


def test_a_claim_on_stored_files_is_caught_and_one_on_this_run_is_not():
    def code(*lines):
        return {"cell_type": "code", "source": "\n".join(lines), "outputs": []}

    cells = [code("stored = sweep.load()", "rows, machine = stored",
                  "def gain(a):", "    return rows[a]['fd'] - rows[0]['fd']"),
             code("claim('settings matter', gain(1) > 2, gain=gain(1))"),
             code("fd = measure(gan)", "claim('this run', fd < 2 * gain(1), fd=fd)"),
             code("!pip install x", "claim('stored table', len(rows) > 3)")]
    assert stored_only_claims(cells) == [(1, "settings matter"), (3, "stored table")]
