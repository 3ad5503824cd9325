"""Integration tests of the SQL adapters on real engines, SQLite and MariaDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.databases import (
    ScratchDatabase,
    create_mariadb_database,
    create_sqlite_database,
    drop_database,
)

BACKENDS = ["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)]


@pytest.fixture(params=BACKENDS)
async def fresh_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[ScratchDatabase]:
    if request.param == "sqlite":
        scratch = await create_sqlite_database(tmp_path)
    else:
        scratch = await create_mariadb_database()
    yield scratch
    await drop_database(scratch)
