"""The ganlab command: doctor, and the headless course runner on small notebooks."""
import nbformat
import pytest

from ganlab.course import cli


def test_doctor_reports_versions_hardware_and_data(capsys):
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "ganlab" in out and "mnist.npz" in out
    assert any(kind in out for kind in ("CPU:", "GPU:", "TPU:")) and "precision float32" in out
    assert "oneDNN CPU kernels: " in out


def test_importing_ganlab_turns_on_tensorflows_onednn_kernels_on_x86():
    """In a fresh process with nothing set: ganlab must ask before TensorFlow starts, or the switch is too late."""
    import platform
    import subprocess

    from cli_helpers import command, environment

    import ganlab

    asked = {}
    ganlab._onednn_default(asked, platform.machine())  # what ganlab asks for on this CPU (its rule has a test)
    env = environment()
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)
    out = subprocess.run(command("doctor"), env=env, capture_output=True, text=True, timeout=300).stdout
    expected = "oneDNN CPU kernels: on (TF_ENABLE_ONEDNN_OPTS=1)" if asked else "oneDNN CPU kernels: "
    assert expected in out, out


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


def test_a_wheel_carries_the_notebooks_and_course_into_writes_them(tmp_path):
    """Built as a wheel and unpacked outside the checkout, `ganlab course --into DIR --no-lab` copies the notebooks."""
    import subprocess
    import sys
    import zipfile

    root = cli.ROOT
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(tmp_path / "wheel"), str(root)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((tmp_path / "wheel").glob("ganlab-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    expected = [f"ganlab/notebooks/{path.name}" for path in cli.notebooks()]
    assert expected and all(name in names for name in expected)
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")

    into = tmp_path / "my course"
    (into).mkdir()
    (into / expected[0].split("/")[-1]).write_text("my own work")  # a learner's edited copy is kept
    # The stored results that notebooks 05 and 06 draw ship inside the wheel; student copies default to a folder
    # under the working directory, not beside the installed package.
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from ganlab.course import cli; "
              "from ganlab.experiments import scarce_labels, sweep; "
              "assert cli.NOTEBOOKS == cli.PACKAGED_NOTEBOOKS, cli.NOTEBOOKS; "
              "assert sweep.STORED.is_relative_to(sys.argv[1]) and sweep.load() is not None; "
              "assert scarce_labels.RESULTS.is_relative_to(sys.argv[1]) and scarce_labels.load_results() is not None; "
              "assert cli.parser().parse_args(['student-copies']).output.resolve().parent == __import__('pathlib')"
              ".Path.cwd().resolve(); "
              "sys.exit(cli.main(['course', '--into', sys.argv[2], '--no-lab']))")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "site"), str(into)], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in into.glob("*.ipynb")) == [name.split("/")[-1] for name in expected]
    assert (into / expected[0].split("/")[-1]).read_text() == "my own work"
    assert "kept" in done.stdout and "copied" in done.stdout and "jupyter lab" in done.stdout


def test_course_into_a_file_is_refused(tmp_path):
    target = tmp_path / "a file"
    target.write_text("")
    with pytest.raises(SystemExit, match="is a file"):
        cli.copy_course(target)
