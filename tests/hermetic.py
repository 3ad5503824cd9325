"""Keeping the test run away from the developer's own settings."""

from __future__ import annotations

import os

from app.infra.settings import Settings

MACHINE_VARIABLES = ("CONFIG_FILE", "ENV_FILE")
LIBRARY_PREFIXES = ("OTEL_", "FASTAPI_OTEL_")
"""Variables that libraries read themselves (the OpenTelemetry SDK's exporter settings)."""


def settings_variables() -> list[str]:
    """Every environment variable that the settings would read."""
    return [name.upper() for name in Settings.model_fields] + list(MACHINE_VARIABLES)


def isolate_from_the_machine() -> None:
    """Forget the shell's settings and read no `.env` file, in this process and its children."""
    for name in settings_variables():  # names are matched case-insensitively
        os.environ.pop(name, None)
        os.environ.pop(name.lower(), None)
    for name in list(os.environ):
        if name.upper().startswith(LIBRARY_PREFIXES):
            del os.environ[name]
    os.environ["ENV_FILE"] = ""
