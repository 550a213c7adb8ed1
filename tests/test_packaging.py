"""pyproject.toml and environment.yml declare the same dependencies."""
import os
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def parse(requirements):
    """{normalised name: str(specifier)} for a list of requirement strings."""
    parsed = {}
    for text in requirements:
        requirement = Requirement(text)
        parsed[canonicalize_name(requirement.name)] = str(requirement.specifier)
    return parsed


@pytest.fixture(scope="module")
def pyproject():
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def environment():
    with open(ROOT / "environment.yml") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def env_pip(environment):
    pip_lists = [item["pip"] for item in environment["dependencies"] if isinstance(item, dict) and "pip" in item]
    assert len(pip_lists) == 1, "environment.yml should have one pip: list"
    return pip_lists[0]


def test_core_dependencies_are_in_environment_yml(pyproject, env_pip):
    core = parse(pyproject["project"]["dependencies"])
    env = parse(line for line in env_pip if not line.startswith("-e"))
    missing = {name: spec for name, spec in core.items() if name not in env}
    assert not missing, f"in pyproject.toml but not in environment.yml's pip list: {missing}"
    different = {name: (spec, env[name]) for name, spec in core.items() if env[name] != spec}
    assert not different, f"version specifiers differ (pyproject, environment.yml): {different}"


def test_every_environment_yml_package_is_declared_in_pyproject(pyproject, env_pip):
    core = parse(pyproject["project"]["dependencies"])
    declared = dict(core)
    for extra in pyproject["project"].get("optional-dependencies", {}).values():
        declared.update(parse(extra))
    env = parse(line for line in env_pip if not line.startswith("-e"))
    unknown = sorted(set(env) - set(declared))
    assert not unknown, f"in environment.yml but in no dependency list of pyproject.toml: {unknown}"
    different = {name: (declared[name], spec) for name, spec in env.items() if declared[name] != spec}
    assert not different, f"version specifiers differ (pyproject, environment.yml): {different}"


def test_environment_installs_the_package_and_the_extras(pyproject, environment, env_pip):
    assert "-e ." in env_pip
    # the conda env also serves the course and the tests: every extra's packages are there
    env = parse(line for line in env_pip if not line.startswith("-e"))
    for extra in ("course", "test"):
        assert set(parse(pyproject["project"]["optional-dependencies"][extra])) <= set(env), extra
    python = [d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert python and python[0].replace("python", "") == pyproject["project"]["requires-python"]


def test_readme_mentions_pytest():
    readme = ROOT / "README.md"
    if not readme.is_file():
        pytest.skip("no README.md yet")
    assert "pytest" in readme.read_text(encoding="utf-8")


@pytest.mark.bad_input
def test_another_keras_backend_is_refused_at_import_with_the_fix():
    import subprocess
    import sys

    env = dict(os.environ, KERAS_BACKEND="jax")
    done = subprocess.run([sys.executable, "-c", "import ganlab"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0
    assert "ganlab needs Keras' TensorFlow backend" in done.stderr and "'jax'" in done.stderr
    assert "KERAS_BACKEND=tensorflow" in done.stderr
