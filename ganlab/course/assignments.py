"""Student copies of the notebooks: the exercise solutions taken out, everything else kept.

In the instructors' notebooks (the ones in ``notebooks/``) each answer sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION``, the markers nbgrader uses. A student
copy replaces each such block:

* inside a function, by ``raise NotImplementedError(...)``, which the exercise's
  check turns into "not written yet: replace `raise NotImplementedError` ...";
* at the top level, where the answer is an assignment ``name = ...``, by
  ``name = None``, which the check answers with what it expects.

Outputs are cleared (the instructors' copies keep the outputs of their full run,
which would show the checks passing). ``ganlab student-copies`` writes them.
"""
from __future__ import annotations

import re
from pathlib import Path

from ganlab.course.colab import without_badge

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PLACEHOLDER = "# YOUR CODE HERE"
_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)\s*=")


def strip_solutions(source: str, exercise: str = "this exercise") -> str:
    """``source`` with every solution block replaced by a placeholder that the exercise's check recognises."""
    lines, out, block, indent = source.splitlines(), [], None, ""
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if block is not None:
                raise ValueError(f"{exercise}: line {number} opens a solution block inside another one.")
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif stripped == END:
            if block is None:
                raise ValueError(f"{exercise}: line {number} closes a solution block that was never opened.")
            out.extend(_placeholder(block, indent, exercise))
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise ValueError(f"{exercise}: a solution block is opened but never closed ({END} is missing).")
    return "\n".join(out)


def _placeholder(block: list[str], indent: str, exercise: str) -> list[str]:
    first = next((line.strip() for line in block if line.strip()), "")
    match = _ASSIGNMENT.match(first)
    if indent == "" and match:
        return [f"{PLACEHOLDER}: replace None with your answer", f"{match.group(1)} = None"]
    return [f"{indent}{PLACEHOLDER}", f'{indent}raise NotImplementedError("{exercise}: write your code here")']


def student_copy(notebook):
    """A copy of an nbformat ``notebook`` with solutions replaced and outputs cleared; the number of blocks replaced."""
    import copy

    import nbformat


    student = copy.deepcopy(notebook)
    replaced, exercise = 0, "this exercise"
    for cell in student.cells:
        if cell.cell_type == "markdown":
            # the Colab badge opens the instructors' notebook, solutions included: students get none
            cell.source = without_badge(cell.source)
        if cell.cell_type == "markdown":
            heading = re.search(r"^#+\s*(Exercise \d+)", cell.source, re.MULTILINE)
            exercise = heading.group(1) if heading else exercise
        if cell.cell_type != "code":
            continue
        if BEGIN in cell.source:
            replaced += cell.source.count(BEGIN)
            cell.source = strip_solutions(cell.source, exercise)
        cell.outputs, cell.execution_count = [], None
    nbformat.validate(student)
    return student, replaced


def write_student_copies(notebooks, output_dir) -> list[tuple[Path, int]]:
    """Write a student copy of each notebook path into ``output_dir``; return (path written, blocks replaced)."""
    import nbformat

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in map(Path, notebooks):
        student, replaced = student_copy(nbformat.read(path, as_version=4))
        target = output_dir / path.name
        if target.resolve() == path.resolve():
            raise ValueError(f"output_dir {output_dir} is where the instructors' notebooks are: choose another folder, "
                             "or the solutions would be overwritten.")
        nbformat.write(student, target)
        written.append((target, replaced))
    return written
