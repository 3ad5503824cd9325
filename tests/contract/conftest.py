"""Every contract suite runs against the fake, SQLite and MariaDB implementations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from app.application.ports.units_of_work import ReadUnitOfWork, WriteUnitOfWork
from app.infra.db.units_of_work import SqlReadUnitOfWork, SqlWriteUnitOfWork
from tests.databases import ScratchDatabase, rolled_back
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeReadUnitOfWork, FakeWriteUnitOfWork


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
            lambda: FakeWriteUnitOfWork(database),
            lambda: FakeReadUnitOfWork(database),
        )
        return
    async with rolled_back(scratch) as bound:
        yield Storage(
            name,
            lambda: SqlWriteUnitOfWork(bound.session_factory),
            lambda: SqlReadUnitOfWork(bound.connect),
        )
