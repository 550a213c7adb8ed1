"""What a learner reads is clean: the stored notebooks, the README, docs/ and the package's own words.

* no stray ``True``/``False`` shown below a cell (``claim`` returns a bool: end the line with ``;``);
* no stderr stream and no warning in a stored output;
* no markdown cell over ``MARKDOWN_LIMIT`` characters (split a wall of text into several cells);
* no internal words: issue numbers ("issue 19", "#19") or "the issue's goal" in notebooks, README.md,
  docs/, and the docstrings, comments and messages of ``ganlab/`` and ``benchmarks/``.
"""
import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MARKDOWN_LIMIT = 2500
INTERNAL = re.compile(r"\bissues?\s+#?\d+|(?<![\w&/])#\d{1,4}\b|\bthe issue'?s goal|\bthis issue\b|\bthe issue\b",
                      re.IGNORECASE)
WARNING = re.compile(r"\b\w*Warning\b|^WARNING[: ]|\bwarnings\.warn", re.MULTILINE)


def text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def cells(path):
    return json.loads(path.read_text())["cells"]


def internal_words(source: str) -> list[str]:
    return [match.group(0) for match in INTERNAL.finditer(source)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_stray_truth_value_below_a_cell(path):
    stray = [i for i, cell in enumerate(cells(path)) if cell["cell_type"] == "code"
             for output in cell.get("outputs", []) if output.get("output_type") == "execute_result"
             and text(output.get("data", {}).get("text/plain", "")).strip() in ("True", "False")]
    assert not stray, (f"{path.name}: cells {stray} show a bare True/False (a claim's return value); "
                       "end the cell's last line with ';'.")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_stderr_or_warning_in_stored_outputs(path):
    found = []
    for i, cell in enumerate(cells(path)):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                found.append((i, "stderr: " + text(output.get("text", ""))[:120]))
            shown = text(output.get("text", "")) + text(output.get("data", {}).get("text/plain", ""))
            if WARNING.search(shown):
                found.append((i, WARNING.search(shown).group(0)))
    assert not found, f"{path.name}: stored outputs hold stderr or warnings (cell, what): {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_wall_of_markdown(path):
    long = [(i, len(text(cell["source"]))) for i, cell in enumerate(cells(path))
            if cell["cell_type"] == "markdown" and len(text(cell["source"])) > MARKDOWN_LIMIT]
    assert not long, f"{path.name}: markdown cells over {MARKDOWN_LIMIT} characters (cell, length): {long}; split them."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_internal_words_in_notebooks(path):
    found = []
    for i, cell in enumerate(cells(path)):
        shown = text(cell["source"]) + "".join(text(o.get("text", "")) + text(o.get("data", {}).get("text/plain", ""))
                                               for o in cell.get("outputs", []))
        found += [(i, word) for word in internal_words(shown)]
    assert not found, f"{path.name}: internal words a learner would read (cell, words): {found}"


def package_words(path: Path) -> list[str]:
    """The words of a module that a user reads: its docstrings, string constants (messages) and comments."""
    source = path.read_text()
    words = [match.group(0) for match in re.finditer(r"#[^\n]*", source)]  # comments (and any '#' in strings)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.append(node.value)
    return words


def test_no_internal_words_in_readme_docs_package_or_benchmarks():
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        if path.exists():
            found += [(path.name, word) for word in internal_words(path.read_text())]
    for path in [*sorted((ROOT / "ganlab").rglob("*.py")), *sorted((ROOT / "benchmarks").glob("*.py"))]:
        for chunk in package_words(path):
            found += [(str(path.relative_to(ROOT)), word) for word in internal_words(chunk)]
    assert not found, f"internal words in what users read (file, words): {found}"


def test_the_checks_catch_what_they_should(tmp_path):
    assert internal_words("as issue 19 found; see #19 and the issue's goal, 97%") == ["issue 19", "#19",
                                                                                       "the issue's goal"]
    assert internal_words("colour #fff, a C# note, Notebook 02, 3 issues remain, cell 19") == []
    cell = {"cell_type": "code", "source": ["claim('x', True)\n"],
            "outputs": [{"output_type": "execute_result", "data": {"text/plain": ["True"]}},
                        {"output_type": "stream", "name": "stderr", "text": ["UserWarning: careful\n"]}]}
    path = tmp_path / "99_test.ipynb"
    path.write_text(json.dumps({"cells": [cell, {"cell_type": "markdown", "source": ["x" * 2501]}]}))
    for check in (test_no_stray_truth_value_below_a_cell, test_no_stderr_or_warning_in_stored_outputs,
                  test_no_wall_of_markdown):
        with pytest.raises(AssertionError):
            check(path)
