"""Fixtures shared by every unit test."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.infra.settings import Settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Settings see config.yml only: no setting in the environment and no `.env` file."""
    for name in [*Settings.model_fields, "config_file", "env_file"]:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch
