"""Fake units of work over a FakeDatabase, with the transaction semantics of the SQL ones."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from tests.fakes.repositories import (
    FakePostReader,
    FakePostRepository,
    FakeRefreshTokenRepository,
    FakeUserReader,
    FakeUserRepository,
)
from tests.fakes.storage import FakeDatabase, FakeTables


class FakeWriteUnitOfWork:
    def __init__(self, database: FakeDatabase) -> None:
        self._database = database
        self._working: FakeTables | None = None
        self._changed: dict[str, set[str]] = {}

    @property
    def _tables(self) -> FakeTables:
        if self._working is None:
            raise RuntimeError("the unit of work is not open")
        return self._working

    @property
    def users(self) -> FakeUserRepository:
        return FakeUserRepository(self._tables, self._changed)

    @property
    def posts(self) -> FakePostRepository:
        return FakePostRepository(self._tables, self._changed)

    @property
    def refresh_tokens(self) -> FakeRefreshTokenRepository:
        return FakeRefreshTokenRepository(self._tables, self._changed)

    async def commit(self) -> None:
        self._database.apply(self._tables, self._changed)
        self._working = self._database.snapshot()
        self._changed = {}

    async def rollback(self) -> None:
        if self._changed:
            self._database.rollbacks += 1
        self._working = self._database.snapshot()
        self._changed = {}

    async def __aenter__(self) -> Self:
        self._working = self._database.snapshot()
        self._changed = {}
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.rollback()
        self._working = None


class FakeReadUnitOfWork:
    def __init__(self, database: FakeDatabase) -> None:
        self._database = database
        self._open = False

    def _tables(self) -> FakeTables:
        if not self._open:
            raise RuntimeError("the unit of work is not open")
        return self._database.tables

    @property
    def posts(self) -> FakePostReader:
        return FakePostReader(self._tables())

    @property
    def users(self) -> FakeUserReader:
        return FakeUserReader(self._tables())

    async def __aenter__(self) -> Self:
        self._open = True
        self._database.read_scopes_opened += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._open = False
