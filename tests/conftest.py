"""Session-wide test databases. MariaDB tests skip without a server, and fail in CI.

Tests are hermetic: before anything is imported, the settings' environment variables of
the developer's shell are removed from this process and no `.env` file is read
(`ENV_FILE` empty), so neither this process nor the servers and workers it starts see
the developer's databases, broker or secrets. A test that is about reading them sets
them itself (`monkeypatch.setenv`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.hermetic import isolate_from_the_machine

isolate_from_the_machine()

from tests.databases import (  # noqa: E402
    ScratchDatabase,
    create_mariadb_database,
    create_sqlite_database,
    drop_database,
    redis_server_or_skip,
    remove_run_keys,
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


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
async def fresh_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[ScratchDatabase]:
    """A new, empty-but-migrated database of its own, for tests that commit for real."""
    if request.param == "sqlite":
        scratch = await create_sqlite_database(tmp_path)
    else:
        scratch = await create_mariadb_database()
    yield scratch
    await drop_database(scratch)


@pytest.fixture(scope="session")
async def redis_url() -> AsyncIterator[str]:
    yield await redis_server_or_skip()
    await remove_run_keys()
