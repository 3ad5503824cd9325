"""The entry points build nothing when imported: a bad setting surfaces only when served."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.servers import environment

HOSTILE = {"APP_PROFILE": "production", "JWT_SECRET": "short"}


def _python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own interpreter, fixed code)
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class TestApiEntryPoint:
    def test_importing_create_app_reads_no_setting(self, tmp_path: Path) -> None:
        result = _python("from app.main import create_app", environment(HOSTILE), tmp_path)

        assert result.returncode == 0, result.stderr

    def test_the_served_app_refuses_a_short_secret_in_production(self, tmp_path: Path) -> None:
        result = _python("import app.main; app.main.app", environment(HOSTILE), tmp_path)

        assert result.returncode != 0
        assert "JWT_SECRET must be set" in result.stderr

    def test_the_served_app_is_built_once(self) -> None:
        import app.main

        with pytest.MonkeyPatch.context() as patch:
            patch.delattr(app.main, "app", raising=False)
            first = app.main.app
            assert app.main.app is first
