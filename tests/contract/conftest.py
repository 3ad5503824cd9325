"""Every contract suite runs against the fake, SQLite and MariaDB implementations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.application.ports.units_of_work import ReadUnitOfWork, WriteUnitOfWork
from app.infra.db.engines import build_engine
from app.infra.db.units_of_work import SqlReadUnitOfWork, SqlWriteUnitOfWork
from tests.databases import (
    ENGINE_OPTIONS,
    ScratchDatabase,
    create_mariadb_database,
    create_sqlite_database,
    drop_database,
    rolled_back,
)
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeReadUnitOfWork, FakeWriteUnitOfWork


@dataclass(frozen=True)
class Storage:
    name: str
    write_uow: Callable[[], WriteUnitOfWork]
    read_uow: Callable[[], ReadUnitOfWork]


@pytest.fixture(params=["fake", "sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def backend(request: pytest.FixtureRequest) -> tuple[str, ScratchDatabase | None]:
    if request.param == "fake":
        return "fake", None
    database: ScratchDatabase = request.getfixturevalue(f"{request.param}_database")
    return request.param, database


@pytest.fixture
async def storage(backend: tuple[str, ScratchDatabase | None]) -> AsyncIterator[Storage]:
    name, scratch = backend
    if scratch is None:
        database = FakeDatabase()
        yield Storage(
            name,
            lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS),
            lambda: FakeReadUnitOfWork(database),
        )
        return
    async with rolled_back(scratch) as bound:
        yield Storage(
            name,
            lambda: SqlWriteUnitOfWork(bound.session_factory, effects=NO_EFFECTS),
            lambda: SqlReadUnitOfWork(bound.connect),
        )


@pytest.fixture(params=["fake", "sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
async def isolated_storage(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Storage]:
    """Storage on real pools and a database of its own: units of work may overlap."""
    if request.param == "fake":
        database = FakeDatabase()
        yield Storage(
            "fake",
            lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS),
            lambda: FakeReadUnitOfWork(database),
        )
        return
    if request.param == "sqlite":
        scratch = await create_sqlite_database(tmp_path)
    else:
        scratch = await create_mariadb_database()
    read_engine = build_engine(scratch.url, read_only=True, **ENGINE_OPTIONS)
    sessions = async_sessionmaker(bind=scratch.engine, expire_on_commit=False)
    try:
        yield Storage(
            request.param,
            lambda: SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS),
            lambda: SqlReadUnitOfWork(read_engine.connect),
        )
    finally:
        await read_engine.dispose()
        await drop_database(scratch)
