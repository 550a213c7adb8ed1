"""The ganlab command: doctor, and the headless course runner on small notebooks."""
import nbformat
import pytest

from ganlab import cli


def test_doctor_reports_versions_hardware_and_data(capsys):
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "ganlab" in out and "mnist.npz" in out
    assert any(kind in out for kind in ("CPU:", "GPU:", "TPU:")) and "precision float32" in out


def test_the_course_lists_its_notebooks_in_order():
    names = [path.name for path in cli.notebooks()]
    assert names[:2] == ["01_vanilla_gan.ipynb", "02_dcgan.ipynb"]
    assert names == sorted(names)


def _notebook(path, source):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


def test_headless_run_executes_each_notebook_and_reports_failures(tmp_path, monkeypatch, capsys):
    source = tmp_path / "notebooks"
    source.mkdir()
    _notebook(source / "01_fine.ipynb", "print(6 * 7)")
    _notebook(source / "02_broken.ipynb", "raise ValueError('on purpose')")
    monkeypatch.setattr(cli, "NOTEBOOKS", source)
    assert cli.main(["course", "--headless", "--output", str(tmp_path / "out"), "--timeout", "120"]) == 1
    report = capsys.readouterr().out
    assert "01_fine.ipynb" in report and " ok" in report
    assert "02_broken.ipynb" in report and "FAILED" in report and "on purpose" in report
    executed = nbformat.read(tmp_path / "out" / "01_fine.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == "42"


def test_unknown_command_is_refused():
    with pytest.raises(SystemExit):
        cli.main(["train-everything"])
