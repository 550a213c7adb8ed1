"""Student copies: solutions out, placeholders the checks recognise, and each copy runs to its first exercise."""

import nbformat
import pytest

from ganlab.course import assignments, cli


def test_a_solution_inside_a_function_becomes_not_implemented():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
    stripped = assignments.strip_solutions(source, "Exercise 4")
    assert "return 2 * x" not in stripped
    assert stripped.splitlines() == ["def f(x):", "    # YOUR CODE HERE",
                                     '    raise NotImplementedError("Exercise 4: write your code here")']
    namespace = {}
    exec(stripped, namespace)
    with pytest.raises(NotImplementedError, match="Exercise 4"):
        namespace["f"](1)


def test_a_top_level_answer_becomes_none():
    source = "x = 3\n### BEGIN SOLUTION\nanswer = max(x, 2)\n### END SOLUTION\nprint(answer)"
    stripped = assignments.strip_solutions(source)
    namespace = {}
    exec(stripped.replace("print(answer)", ""), namespace)
    assert namespace["answer"] is None and "max(x, 2)" not in stripped


def test_code_outside_the_markers_is_kept_exactly():
    source = "import numpy as np\n\ndef g():\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n\ny = 1"
    stripped = assignments.strip_solutions(source)
    assert stripped.startswith("import numpy as np\n\ndef g():\n") and stripped.endswith("\n\ny = 1")


@pytest.mark.bad_input
@pytest.mark.parametrize("source, phrase", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "never opened"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside another one"),
])
def test_broken_markers_are_reported(source, phrase):
    with pytest.raises(ValueError, match=phrase):
        assignments.strip_solutions(source)


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    return dict((path.name, (path, n)) for path, n in assignments.write_student_copies(cli.notebooks(), out))


def test_every_notebook_gets_a_copy_without_its_solutions_and_outputs(copies):
    assert sorted(copies) == sorted(path.name for path in cli.notebooks())
    for name, (path, replaced) in copies.items():
        original = nbformat.read(cli.NOTEBOOKS / name, as_version=4)
        student = nbformat.read(path, as_version=4)
        solutions = [c.source for c in original.cells if assignments.BEGIN in c.source]
        assert replaced == len(solutions) >= 3
        assert len(student.cells) == len(original.cells)
        assert not any(assignments.BEGIN in c.source for c in student.cells)
        assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
        assert sum(assignments.PLACEHOLDER in c.source for c in student.cells) == len(solutions)
        # the badge would open the instructors' notebook with its solutions; the title and text stay
        assert "colab-badge.svg" in original.cells[0].source and "colab-badge.svg" not in student.cells[0].source
        assert student.cells[0].source.split("\n")[0] == original.cells[0].source.split("\n")[0]
        assert "You will learn" in student.cells[0].source


def test_the_instructors_copies_are_left_as_they_are(copies):
    for name in copies:
        assert assignments.BEGIN in (cli.NOTEBOOKS / name).read_text()


def first_exercise(notebook):
    """The cells up to and including the check that follows the first exercise."""
    first = next(i for i, c in enumerate(notebook.cells) if assignments.PLACEHOLDER in c.source)
    check = next(i for i in range(first + 1, len(notebook.cells)) if notebook.cells[i].cell_type == "code")
    return nbformat.v4.new_notebook(cells=notebook.cells[:check + 1], metadata=notebook.metadata)


def python_lines(source):
    """A code cell's Python: IPython's shell escapes and magics become pass statements (same line count)."""
    return "\n".join(line[:len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("!", "%")) else line
                     for line in source.splitlines())


def test_every_student_copy_compiles_and_checks_each_exercise_next(copies):
    for name, (path, _) in copies.items():
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            if cell.cell_type != "code":
                continue
            compile(python_lines(cell.source), f"{name}, cell {i}", "exec")  # a stripped solution still parses
            if assignments.PLACEHOLDER in cell.source:
                following = next(c for c in cells[i + 1:] if c.cell_type == "code")
                assert "checks.check_" in following.source, f"{name}, cell {i}: no check follows the exercise"


# Running a copy to its first exercise takes from 10 s to 2 minutes of CPU per notebook; the cells before it are
# the instructors' own, which the notebooks' own test runs, so four notebooks whose first exercise comes early
# stand for all (the test above reads every copy).
@pytest.mark.parametrize("name", ["01_vanilla_gan.ipynb", "02_dcgan.ipynb", "06_conditional_gans.ipynb",
                                  "09_cyclegan.ipynb"])
def test_a_student_copy_runs_to_its_first_exercise_whose_check_then_says_not_yet(copies, name):
    from nbclient import NotebookClient

    partial = first_exercise(nbformat.read(copies[name][0], as_version=4))
    NotebookClient(partial, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(cli.NOTEBOOKS)}}).execute()
    outputs = partial.cells[-1].outputs
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "Not yet:" in text and "not written yet" in text, text


def test_the_command_writes_the_copies(tmp_path, capsys):
    # In this process: a subprocess would spend most of its time starting TensorFlow, and the `python -m
    # ganlab.course.cli` entry itself is run by the doctor test in test_cli.py.
    assert cli.main(["student-copies", "--output", str(tmp_path), str(cli.NOTEBOOKS / "02_dcgan.ipynb")]) == 0
    assert "02_dcgan.ipynb: 3 solutions removed" in capsys.readouterr().out
    assert (tmp_path / "02_dcgan.ipynb").exists()


@pytest.mark.bad_input
def test_the_command_refuses_to_overwrite_the_instructors_notebooks():
    with pytest.raises(ValueError, match="solutions would be overwritten"):
        assignments.write_student_copies([cli.NOTEBOOKS / "02_dcgan.ipynb"], cli.NOTEBOOKS)
