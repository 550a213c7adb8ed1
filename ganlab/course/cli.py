"""The ``ganlab`` command: the course without a notebook open.

    ganlab doctor             versions, hardware, where the data was found
    ganlab course             open the notebooks in JupyterLab (after a pip install: copies them to
                              ~/ganlab-course first, or to --into DIR)
    ganlab course --headless  execute every notebook, write executed copies, report how each went
    ganlab student-copies     write the notebooks without their exercise solutions (for assignments)
    ganlab train              train a GAN in a terminal; resumes when run again; several machines via TF_CONFIG
    ganlab sample             draw a grid or an array from a saved generator
    ganlab evaluate           Fréchet distance, classifier score, KID, precision/recall of a saved generator
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import ganlab
from ganlab import data, device
from ganlab.course import runs
from ganlab.course.assignments import write_student_copies
from ganlab.course.colab import repository_url, update_notebook

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent
# In a checkout the notebooks sit beside the package; a wheel carries them as ganlab/notebooks (pyproject.toml).
CHECKOUT_NOTEBOOKS = ROOT / "notebooks"
PACKAGED_NOTEBOOKS = PACKAGE / "notebooks"
NOTEBOOKS = CHECKOUT_NOTEBOOKS if CHECKOUT_NOTEBOOKS.is_dir() else PACKAGED_NOTEBOOKS
DEFAULT_COURSE_FOLDER = Path.home() / "ganlab-course"


def doctor() -> int:
    """Print what a learner needs to know before starting; exit status 1 if the data is missing."""
    print(f"ganlab {ganlab.__version__}, Python {sys.version.split()[0]}")
    print(device.setup().describe())
    kernels = {True: "on", False: "off", None: "unknown"}[device.onednn()]
    print(f"oneDNN CPU kernels: {kernels} (TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset')})")
    print(f"quick mode: {'on' if ganlab.quick_mode() else 'off'} (GANLAB_QUICK)")
    status = 0
    for name in data.images.FILES:
        try:
            print(f"{name}: {data.find_file(name, download=False)}")
        except data.DataNotFoundError:
            print(f"{name}: not found yet (downloaded on first use)")
        except ValueError as error:
            print(f"{name}: {error}")
            status = 1
    return status


def notebooks() -> list[Path]:
    """The course's notebooks, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def copy_course(into: Path) -> Path:
    """Copy the course's notebooks into ``into`` (created if needed) and return it.

    A notebook already there is kept, not overwritten: it may hold a learner's work.
    """
    sources = notebooks()
    if not sources:
        raise SystemExit(f"No notebooks found in {NOTEBOOKS}: reinstall ganlab (pip install --force-reinstall ganlab).")
    into = Path(into).expanduser()
    if into.exists() and not into.is_dir():
        raise SystemExit(f"--into {into} is a file; name a folder for the notebooks, for example ~/ganlab-course.")
    into.mkdir(parents=True, exist_ok=True)
    for path in sources:
        target = into / path.name
        if target.exists():
            print(f"{target}: kept (already there; delete it to get a fresh copy)")
        else:
            shutil.copyfile(path, target)
            print(f"{target}: copied")
    return into


def run_headless(output_dir: Path, timeout: int) -> int:
    """Execute every notebook top to bottom on a fresh kernel; print one line each; 1 if any failed."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    output_dir.mkdir(parents=True, exist_ok=True)
    # Notebooks write figures and checkpoints beside themselves: never inside an installed package.
    working_folder = NOTEBOOKS if NOTEBOOKS != PACKAGED_NOTEBOOKS else output_dir
    failed = 0
    for path in notebooks():
        notebook = nbformat.read(path, as_version=4)
        start = time.time()
        try:
            NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(working_folder)}}).execute()
            verdict = "ok"
        except CellExecutionError as error:
            failed += 1
            verdict = "FAILED: " + str(error).strip().splitlines()[-1][:200]
        nbformat.write(notebook, output_dir / path.name)
        print(f"{path.name:32s} {time.time() - start:7.1f} s  {verdict}", flush=True)
    print(f"executed copies in {output_dir}")
    return 1 if failed else 0


def run_job(args) -> int:
    """``ganlab train``, ``sample`` and ``evaluate``: the functions of :mod:`ganlab.course.runs`."""
    if args.command == "train":
        runs.train(args.output, family=args.model, dataset=args.dataset, epochs=args.epochs,
                   batch_size=args.batch_size, width=args.width, limit=args.limit, fd_samples=args.fd_samples,
                   seed=args.seed, cpu_replicas=args.cpu_replicas)
    elif args.command == "sample":
        print(f"wrote {runs.sample(args.generator, args.output, n=args.n, seed=args.seed)}")
    else:
        result = runs.evaluate(args.generator, dataset=args.dataset, n=args.n, seed=args.seed)
        print(f"{args.generator}: {result['samples']:,} samples against {result['test_images']:,} {args.dataset} "
              "test images")
        print(f"Fréchet distance {result['frechet_distance']:.2f}, classifier score {result['classifier_score']:.2f}, "
              f"KID {result['kid']:.4f} ± {result['kid_std']:.4f}")
        print(f"precision {result['precision']:.3f}, recall {result['recall']:.3f}, density {result['density']:.3f}, "
              f"coverage {result['coverage']:.3f}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line's parser: ``ganlab <command> [options]``."""
    parser = argparse.ArgumentParser(prog="ganlab", description="The GAN course from the command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doctor", help="check versions, hardware and data")
    course = commands.add_parser("course", help="open the notebooks in JupyterLab, or run them all headless")
    course.add_argument("--headless", action="store_true", help="execute every notebook instead of opening JupyterLab")
    course.add_argument("--into", type=Path, default=None,
                        help="copy the notebooks into this folder and open them there (default after a pip install: "
                             f"{DEFAULT_COURSE_FOLDER}; in a checkout they open in place)")
    course.add_argument("--no-lab", action="store_true", help="copy the notebooks but do not start JupyterLab")
    course.add_argument("--output", type=Path, default=None,
                        help="where executed copies go (default: executed/ beside the notebooks, or in the course folder)")
    course.add_argument("--timeout", type=int, default=3600, help="seconds allowed per cell")
    students = commands.add_parser("student-copies", help="write copies of the notebooks without the solutions")
    students.add_argument("notebooks", nargs="*", type=Path, help="notebooks to copy (default: all of the course's)")
    students.add_argument("--output", type=Path, default=Path("student"),
                          help="folder for the student copies (default: ./student, under the working directory)")
    colab = commands.add_parser("colab", help="rewrite the notebooks' Open-in-Colab badges and install cells "
                                "from [project.urls] Repository in pyproject.toml")
    colab.add_argument("notebooks", nargs="*", type=Path, help="notebooks to update (default: all of the course's)")
    train = commands.add_parser("train", help="train a GAN without a notebook (run the same command again to resume)")
    train.add_argument("--model", default="dcgan", choices=["dcgan", "wgan_gp"])
    train.add_argument("--dataset", default="mnist", choices=["mnist", "fashion_mnist"])
    train.add_argument("--epochs", type=int, default=10)
    train.add_argument("--batch-size", type=int, default=64, help="the global batch, split among replicas")
    train.add_argument("--width", type=int, default=32, help="the DCGAN's width")
    train.add_argument("--limit", type=int, default=None, help="train on only the first LIMIT images")
    train.add_argument("--fd-samples", type=int, default=2000, help="samples for the Fréchet distance each epoch")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--cpu-replicas", type=int, default=None,
                       help="split the CPU into this many devices under a MirroredStrategy (for testing)")
    train.add_argument("--output", type=Path, default=Path("runs") / "train", help="the run's folder")
    sample = commands.add_parser("sample", help="draw samples from a saved generator (.keras)")
    sample.add_argument("generator", type=Path)
    sample.add_argument("--output", type=Path, default=Path("samples.png"), help="a .png grid or a .npy array")
    sample.add_argument("-n", type=int, default=64)
    sample.add_argument("--seed", type=int, default=0)
    evaluate = commands.add_parser("evaluate", help="measure a saved generator against the test set")
    evaluate.add_argument("generator", type=Path)
    evaluate.add_argument("--dataset", default="mnist", choices=["mnist", "fashion_mnist"])
    evaluate.add_argument("-n", type=int, default=10000, help="samples (and test images) compared")
    evaluate.add_argument("--seed", type=int, default=0)
    return parser


def main(argv=None) -> int:
    command_line = parser()
    args = command_line.parse_args(argv)
    if args.command in ("train", "sample", "evaluate"):
        return run_job(args)
    if args.command == "doctor":
        return doctor()
    if args.command == "student-copies":
        try:
            import nbformat  # noqa: F401  (an instructor's tool: it comes with the course extras)
        except ImportError:
            command_line.error("student-copies needs nbformat: pip install 'ganlab[course]' (or pip install nbformat).")

        for path in args.notebooks:
            if not path.is_file():
                command_line.error(f"{path} is not a notebook file; pass paths such as notebooks/01_vanilla_gan.ipynb.")
        for target, replaced in write_student_copies(args.notebooks or notebooks(), args.output):
            print(f"{target}: {replaced} solution{'s' if replaced != 1 else ''} removed")
        return 0
    if args.command == "colab":
        for path in args.notebooks or notebooks():
            changed = update_notebook(path, root=ROOT)
            print(f"{path}: {'updated' if changed else 'already up to date'} ({repository_url()})")
        return 0
    if args.headless:
        checkout = NOTEBOOKS != PACKAGED_NOTEBOOKS
        output = args.output or ((NOTEBOOKS if checkout else DEFAULT_COURSE_FOLDER) / "executed")
        return run_headless(output, args.timeout)
    folder = NOTEBOOKS
    if args.into is not None or NOTEBOOKS == PACKAGED_NOTEBOOKS:
        folder = copy_course(args.into or DEFAULT_COURSE_FOLDER)
    if args.no_lab:
        print(f"the course is in {folder}; open it with: jupyter lab {folder}")
        return 0
    os.chdir(folder)
    command = [sys.executable, "-m", "jupyter", "lab", str(folder)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and Colab-like machines run as root
        command.append("--allow-root")
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        command.append("--no-browser")  # no screen: print the address instead of failing to open a browser
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
