"""Google Colab: the "Open in Colab" badge, the install cell, GPU advice and checkpoints kept in Google Drive.

The repository's address is written once, as ``Repository`` under ``[project.urls]``
in ``pyproject.toml`` (installed, it is in the package's metadata). ``ganlab colab``
rewrites every notebook's badge, install cell and metadata from it, and a test fails
when a notebook is out of step. On Colab the install cell runs ``pip install`` from
that address; anywhere else it does nothing.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BRANCH = "main"
SETUP_MARKER = "# Colab setup"
DRIVE_MOUNT = "/content/drive"


def in_colab() -> bool:
    """True when this Python runs inside a Google Colab runtime."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def repository_url() -> str:
    """The repository's web address, from ``[project.urls] Repository`` (pyproject.toml or installed metadata)."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        import tomllib  # Python 3.11+
    except ImportError:
        tomllib = None
    if pyproject.exists() and tomllib is not None:
        urls = tomllib.loads(pyproject.read_text()).get("project", {}).get("urls", {})
        if "Repository" in urls:
            return urls["Repository"].rstrip("/")
    from importlib import metadata

    for entry in metadata.metadata("ganlab").get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip() == "Repository":
            return url.strip().rstrip("/")
    raise RuntimeError("pyproject.toml has no [project.urls] Repository entry; add one "
                       "(e.g. Repository = \"https://github.com/<owner>/ganlab\").")


def _github_path(url: str) -> str:
    prefix = "https://github.com/"
    if not url.startswith(prefix):
        raise ValueError(f"the Repository URL must be a GitHub address ({prefix}<owner>/<name>) for Colab to "
                         f"open notebooks from it, got {url!r}.")
    return url[len(prefix):]


def badge_markdown(notebook: str | Path, url: str | None = None, branch: str = BRANCH) -> str:
    """The "Open in Colab" badge for ``notebook`` (a path inside the repository, e.g. notebooks/01_vanilla_gan.ipynb)."""
    path = Path(notebook).as_posix()
    target = f"https://colab.research.google.com/github/{_github_path(url or repository_url())}/blob/{branch}/{path}"
    return f"[![Open In Colab]({BADGE_IMAGE})]({target})"


def setup_source(url: str | None = None, branch: str = BRANCH) -> str:
    """The notebook's first code cell: installs ganlab from the repository on Colab, does nothing elsewhere."""
    url = url or repository_url()
    _github_path(url)
    return (f"{SETUP_MARKER}: in Google Colab this installs ganlab and its needs (about a minute); elsewhere it "
            "does nothing.\n"
            "import sys\n"
            "if \"google.colab\" in sys.modules:\n"
            f"    !pip install --quiet \"ganlab @ git+{url}@{branch}\"")


COLAB_METADATA = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []}}


def gpu_advice(hardware) -> str:
    """A line for the setup cell: whether a GPU was found and, on Colab without one, how to get one."""
    if hardware.kind in ("GPU", "TPU"):
        return f"{hardware.kind} found: training runs on it."
    if in_colab():
        return ("No GPU found. In Colab choose Runtime > Change runtime type > T4 GPU, then run the notebook again "
                "from the top: training is many times faster.")
    return "No GPU found: training runs on the CPU, which every notebook's full mode is timed on."


def checkpoint_dir(name: str, drive: bool = False) -> Path:
    """A folder for ``keras.callbacks.BackupAndRestore`` that survives what a notebook's runtime may not.

    With ``drive=True`` in Colab, Google Drive is mounted (Colab asks for permission
    once) and the folder is ``MyDrive/ganlab-checkpoints/<name>``: a disconnected
    runtime loses at most the epoch in progress, and the same cell run again resumes.
    Otherwise it is ``~/.ganlab/checkpoints/<name>`` on this machine.
    """
    if not name or Path(name).is_absolute() or ".." in Path(name).parts:
        raise ValueError(f"name must be a plain folder name such as '02_dcgan', got {name!r}.")
    if drive:
        if not in_colab():
            raise RuntimeError("drive=True keeps checkpoints in Google Drive, which only Colab can mount; "
                               "use drive=False on this machine.")
        from google.colab import drive as colab_drive  # only importable inside Colab

        colab_drive.mount(DRIVE_MOUNT)
        folder = Path(DRIVE_MOUNT) / "MyDrive" / "ganlab-checkpoints" / name
    else:
        folder = Path(os.environ.get("GANLAB_CHECKPOINTS", Path.home() / ".ganlab" / "checkpoints")) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def without_badge(markdown: str) -> str:
    """``markdown`` with its "Open in Colab" badge line (and the blank line after it) taken out."""
    lines = markdown.split("\n")
    kept = [line for i, line in enumerate(lines)
            if BADGE_IMAGE not in line and not (i > 0 and BADGE_IMAGE in lines[i - 1] and not line.strip())]
    return "\n".join(kept)


def update_notebook(path: str | Path, root: str | Path = ".", url: str | None = None) -> bool:
    """Write the badge, the install cell and the GPU metadata into the notebook at ``path``; True if it changed."""
    import nbformat

    path, root = Path(path), Path(root)
    notebook = nbformat.read(path, as_version=4)
    before = nbformat.writes(notebook)
    badge = badge_markdown(path.resolve().relative_to(root.resolve()), url)
    title = notebook.cells[0]
    if title.cell_type != "markdown":
        raise ValueError(f"{path}: the first cell must be the markdown title cell.")
    head, _, rest = without_badge(title.source).partition("\n")
    title.source = f"{head}\n\n{badge}\n\n{rest.lstrip()}"
    second = notebook.cells[1] if len(notebook.cells) > 1 else None
    if second is not None and second.cell_type == "code" and second.source.startswith(SETUP_MARKER):
        second.source = setup_source(url)
    else:
        notebook.cells.insert(1, nbformat.v4.new_code_cell(setup_source(url)))
    notebook.metadata.update(COLAB_METADATA)
    if nbformat.writes(notebook) == before:
        return False
    nbformat.write(notebook, path)
    return True
