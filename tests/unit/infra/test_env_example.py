""".env.example lists every setting once, with a comment, at its config.yml default."""

from __future__ import annotations

from pathlib import Path

import pytest
from dotenv import dotenv_values

from app.infra.settings import CONFIG_FILE, Settings, load_settings

EXAMPLE = CONFIG_FILE.parent / ".env.example"


def _assignments() -> list[tuple[int, str]]:
    lines = EXAMPLE.read_text().splitlines()
    return [
        (number, line.split("=", 1)[0])
        for number, line in enumerate(lines)
        if line and not line.startswith("#")
    ]


def test_every_setting_is_listed_once() -> None:
    names = [name for _, name in _assignments()]

    assert sorted(names) == sorted(field.upper() for field in Settings.model_fields)
    assert len(names) == len(set(names))


def test_every_setting_has_a_comment_line_above_it() -> None:
    lines = EXAMPLE.read_text().splitlines()

    uncommented = [name for number, name in _assignments() if not lines[number - 1].startswith("#")]

    assert uncommented == []


def test_the_seeds_names_are_there() -> None:
    listed = dotenv_values(EXAMPLE)

    seed = ["DATABASE_USERNAME", "DATABASE_PASSWORD", "DATABASE_NAME", "DATABASE_URL"]
    seed += ["JWT_SECRET", "CELERY_BROKER_URL", "CELERY_BACKEND_URL", "REDIS_URL"]
    assert [name for name in seed if name not in listed] == []


def test_used_as_a_dotenv_file_it_gives_the_defaults(clean_env: pytest.MonkeyPatch) -> None:
    copy = Path.cwd() / ".env"  # clean_env works in a temporary directory
    copy.write_text(EXAMPLE.read_text())
    as_listed = load_settings()
    copy.write_text(EXAMPLE.read_text().replace("\nLOG_LEVEL=INFO\n", "\nLOG_LEVEL=ERROR\n"))

    assert as_listed.model_dump() == Settings.embedded().model_dump()
    assert load_settings().log_level == "ERROR"  # the file is read, line by line
