"""Colab: badges and install cells built from the one Repository URL, GPU advice, Drive checkpoints."""
import sys
import types
from pathlib import Path

import nbformat
import pytest

from ganlab.course import colab
from ganlab.course.cli import notebooks

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_every_notebook_has_the_badge_the_install_cell_and_gpu_metadata(path):
    notebook = nbformat.read(path, as_version=4)
    badge = colab.badge_markdown(path.relative_to(ROOT))
    assert badge in notebook.cells[0].source, f"run `ganlab colab` to update {path.name}"
    assert f"/blob/main/notebooks/{path.name})" in badge
    assert notebook.cells[1].source == colab.setup_source(), f"run `ganlab colab` to update {path.name}"
    assert notebook.metadata["accelerator"] == "GPU"
    assert "gpu_advice(hardware)" in notebook.cells[2].source


def test_the_url_comes_from_pyproject():
    import tomllib

    expected = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    assert colab.repository_url() == expected.rstrip("/")
    assert f"git+{colab.repository_url()}@main" in colab.setup_source()


def _run_setup_cell(source, monkeypatch, in_colab):
    """Run the install cell as IPython would, with a fake shell that records `!` commands."""
    from IPython.core.inputtransformer2 import TransformerManager

    commands = []
    shell = types.SimpleNamespace(system=commands.append)
    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(TransformerManager().transform_cell(source), {"get_ipython": lambda: shell})
    return commands


def test_the_install_cell_installs_from_the_repository_only_in_colab(monkeypatch):
    source = colab.setup_source("https://github.com/someone/ganlab")
    assert _run_setup_cell(source, monkeypatch, in_colab=False) == []
    (command,) = _run_setup_cell(source, monkeypatch, in_colab=True)
    assert command.startswith("pip install") and "git+https://github.com/someone/ganlab@main" in command


def test_a_url_colab_cannot_open_is_refused():
    with pytest.raises(ValueError, match="GitHub address"):
        colab.badge_markdown("notebooks/01_vanilla_gan.ipynb", url="https://gitlab.com/someone/ganlab")


def test_update_notebook_inserts_once_and_then_leaves_the_notebook_alone(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 09 · Title\n\nText."),
                                               nbformat.v4.new_code_cell("import ganlab")])
    path = tmp_path / "notebooks" / "09_x.ipynb"
    path.parent.mkdir()
    nbformat.write(notebook, path)
    url = "https://github.com/someone/ganlab"
    assert colab.update_notebook(path, root=tmp_path, url=url)
    first = path.read_text()
    assert not colab.update_notebook(path, root=tmp_path, url=url)
    assert path.read_text() == first
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].source.startswith("# 09 · Title\n\n[![Open In Colab]")
    assert "blob/main/notebooks/09_x.ipynb" in cells[0].source and cells[0].source.endswith("Text.")
    assert cells[1].source == colab.setup_source(url) and cells[2].source == "import ganlab"
    # a new address replaces the old badge and install line rather than adding a second
    assert colab.update_notebook(path, root=tmp_path, url="https://github.com/other/ganlab")
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].source.count("colab-badge.svg") == 1 and "other/ganlab" in cells[0].source
    assert len(cells) == 3 and "other/ganlab" in cells[1].source


class _Hardware:
    def __init__(self, kind):
        self.kind = kind


def test_gpu_advice_says_what_was_found_and_how_to_get_a_gpu_on_colab(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    assert colab.gpu_advice(_Hardware("GPU")).startswith("GPU found")
    assert "CPU" in colab.gpu_advice(_Hardware("CPU"))
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab")
    assert "Change runtime type" in colab.gpu_advice(_Hardware("CPU"))


def test_checkpoint_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("GANLAB_CHECKPOINTS", str(tmp_path))
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    folder = colab.checkpoint_dir("02_dcgan_mnist")
    assert folder == tmp_path / "02_dcgan_mnist" and folder.is_dir()
    with pytest.raises(RuntimeError, match="drive=False"):
        colab.checkpoint_dir("02_dcgan_mnist", drive=True)
    for bad in ("", "../elsewhere", "/abs/path"):
        with pytest.raises(ValueError, match="name must be"):
            colab.checkpoint_dir(bad)


def test_checkpoint_dir_mounts_drive_in_colab(monkeypatch, tmp_path):
    mounted = []
    fake_drive = types.SimpleNamespace(mount=mounted.append)
    package = types.ModuleType("google.colab")
    package.drive = fake_drive
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", package)
    monkeypatch.setattr(colab, "DRIVE_MOUNT", str(tmp_path / "drive"))
    folder = colab.checkpoint_dir("03_wgan_mnist", drive=True)
    assert mounted == [str(tmp_path / "drive")]
    assert folder == tmp_path / "drive" / "MyDrive" / "ganlab-checkpoints" / "03_wgan_mnist" and folder.is_dir()
