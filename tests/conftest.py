"""Session-wide test databases. MariaDB tests skip without a server, and fail in CI."""

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


@pytest.fixture(scope="session")
async def sqlite_database(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ScratchDatabase]:
    directory: Path = tmp_path_factory.mktemp("sqlite")
    database = await create_sqlite_database(directory)
    yield database
    await drop_database(database)


@pytest.fixture(scope="session")
async def mariadb_database() -> AsyncIterator[ScratchDatabase]:
    database = await create_mariadb_database()
    yield database
    await drop_database(database)
