"""The runtime-only environment that `make serve-prod` installs (`uv sync --no-dev`).

It is built from `uv.lock` into a temporary directory, from uv's cache (the dev environment
these tests run in has just fetched every runtime package): it holds every runtime
dependency and no dev tool, and every module of the service imports in it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement string (PEP 503)."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def _project() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    environment = tmp_path_factory.mktemp("runtime") / "venv"
    env = {key: value for key, value in os.environ.items() if not key.startswith("UV_")}
    env |= {
        "UV_PROJECT_ENVIRONMENT": str(environment),
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
    }
    subprocess.run(  # noqa: S603  (the environment's own uv, fixed arguments)
        [str(UV), "sync", "--locked", "--no-dev", "--offline", "--quiet"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return environment / "bin" / "python"


def _installed(python: Path) -> set[str]:
    listing = subprocess.run(  # noqa: S603  (the environment's own uv, fixed arguments)
        [str(UV), "pip", "list", "--python", str(python), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return {_name(package["name"]) for package in json.loads(listing.stdout)}


def test_it_holds_every_runtime_dependency_and_no_dev_tool(runtime: Path) -> None:
    project = _project()
    runtime_names = {_name(item) for item in project["project"]["dependencies"]}  # type: ignore[index]
    dev_names = {_name(item) for item in project["dependency-groups"]["dev"]}  # type: ignore[index]
    installed = _installed(runtime)

    assert runtime_names <= installed
    assert dev_names.isdisjoint(installed), dev_names & installed
    assert {"pytest", "mypy", "ruff", "schemathesis"}.isdisjoint(installed)


def test_every_module_of_the_service_imports_in_it(runtime: Path) -> None:
    script = (
        "import importlib, pkgutil, app, containers\n"
        "names = [m.name for m in pkgutil.walk_packages(app.__path__, 'app.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(len(names))\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(  # noqa: S603  (the interpreter just installed, our own script)
        [str(runtime), "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 50
