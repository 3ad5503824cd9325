"""The pre-commit hooks run exactly what `make lint` runs, in the same order."""

from __future__ import annotations

from pathlib import Path

import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]


def _lint_recipe() -> list[str]:
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(number for number, line in enumerate(lines) if line.startswith("lint:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip().replace("$(BIN)/", ".venv/bin/"))
    return recipe


def test_the_hooks_are_the_lint_target() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]

    assert [hook["entry"] for hook in hooks] == _lint_recipe()
    assert all(hook["pass_filenames"] is False and hook["always_run"] for hook in hooks)


def test_the_lint_target_is_read() -> None:
    assert _lint_recipe()[0] == ".venv/bin/ruff check ."
