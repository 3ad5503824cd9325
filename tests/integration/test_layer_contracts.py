"""The import-linter contracts hold, and each one catches a deliberately bad import.

Each case copies the code to a scratch folder, adds one module with the bad import, and
runs the linter there: the contract named must break, so none of them is vacuous.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BAD_IMPORTS = {
    "Layers point inward": ("app/domain/bad_import.py", "import app.application.handlers\n"),
    "Commands and queries do not import each other": (
        "app/application/commands/bad_import.py",
        "import app.application.queries.posts\n",
    ),
    "Domain and application use no framework": (
        "app/application/bad_import.py",
        "import sqlalchemy\n",
    ),
    "The domain knows no telemetry": (
        "app/domain/bad_import.py",
        "import opentelemetry.trace\n",
    ),
    "Only the entry point knows the composition root": (
        "app/infra/messaging/bad_import.py",
        "import app.worker\n",
    ),
}


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (the linter on our own tree)
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "tree"
    shutil.copytree(ROOT / "app", target / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "containers.py", target / "containers.py")
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_the_contracts_hold_on_the_code(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("contract", BAD_IMPORTS)
def test_a_bad_import_breaks_its_contract(contract: str, tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    path, source = BAD_IMPORTS[contract]
    (tree / path).write_text(source)

    result = _lint(tree)

    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert [line for line in broken if line.startswith(contract)], result.stdout


OPENTELEMETRY_API = {
    "opentelemetry",
    "opentelemetry.context",
    "opentelemetry.trace",
    "opentelemetry.util.types",
}
"""What the application may import of OpenTelemetry: the API, a no-op without the SDK
(import-linter names external packages by their top level only, so this is checked here)."""


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _telemetry_imports(root: Path) -> dict[str, set[str]]:
    found = {}
    for path in sorted((root / "app" / "application").rglob("*.py")):
        telemetry = {
            name for name in _imported_modules(path) if name.split(".")[0] == "opentelemetry"
        }
        if telemetry:
            found[str(path.relative_to(root))] = telemetry
    return found


def test_the_application_imports_only_the_opentelemetry_api() -> None:
    found = _telemetry_imports(ROOT)

    assert found  # the application does write spans
    assert all(names <= OPENTELEMETRY_API for names in found.values()), found


def test_an_sdk_import_in_the_application_is_found(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    (tree / "app/application/bad_import.py").write_text("from opentelemetry.sdk import trace\n")

    found = _telemetry_imports(tree)

    assert found["app/application/bad_import.py"] == {"opentelemetry.sdk"}
