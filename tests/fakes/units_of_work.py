"""Fake units of work over a FakeDatabase, with the transaction semantics of the SQL ones."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from app.application.write_unit_of_work import CommitEffects, WriteUnitOfWorkBase
from tests.fakes.comments import FakeCommentReader, FakeCommentRepository
from tests.fakes.repositories import (
    FakeHandledEvents,
    FakeIdempotencyKeys,
    FakeOutbox,
    FakePostReader,
    FakePostRepository,
    FakeRefreshTokenRepository,
    FakeUserReader,
    FakeUserRepository,
    FakeUserStatsReader,
    FakeUserStatsRepository,
)
from tests.fakes.storage import FakeDatabase, FakeTables

NO_EFFECTS = CommitEffects(results=None, read_your_writes=None)
"""For unit tests of services that are not about what follows a commit."""


class FakeWriteUnitOfWork(WriteUnitOfWorkBase):
    """The SQL write unit of work's mechanics (they are shared) over a FakeDatabase."""

    def __init__(self, database: FakeDatabase, *, effects: CommitEffects) -> None:
        super().__init__(effects=effects)
        self._database = database
        self._open = False
        self._working: FakeTables | None = None

    async def _begin(self) -> FakeTables:
        """The transaction's tables; the first statement takes the writer lock."""
        if not self._open:
            raise RuntimeError("the unit of work is not open")
        if self._working is None:
            await self._database.writer_lock.acquire()
            self._working = self._database.snapshot()
        return self._working

    def _end(self) -> None:
        if self._working is not None:
            self._working = None
            self._database.writer_lock.release()

    @property
    def users(self) -> FakeUserRepository:
        return FakeUserRepository(self._begin, self.saw)

    @property
    def posts(self) -> FakePostRepository:
        return FakePostRepository(self._begin, self.saw)

    @property
    def comments(self) -> FakeCommentRepository:
        return FakeCommentRepository(self._begin, self.saw)

    @property
    def handled_events(self) -> FakeHandledEvents:
        return FakeHandledEvents(self._begin)

    @property
    def user_stats(self) -> FakeUserStatsRepository:
        return FakeUserStatsRepository(self._begin)

    @property
    def idempotency_keys(self) -> FakeIdempotencyKeys:
        return FakeIdempotencyKeys(self._begin)

    @property
    def refresh_tokens(self) -> FakeRefreshTokenRepository:
        return FakeRefreshTokenRepository(self._begin)

    @property
    def outbox(self) -> FakeOutbox:
        return FakeOutbox(self._begin)

    async def _commit_transaction(self) -> None:
        if self._working is not None:
            self._database.tables = self._working  # the writer lock kept others out
        self._database.commits += 1
        self._end()

    async def _rollback_transaction(self) -> None:
        if self._working is not None and self._working != self._database.tables:
            self._database.rollbacks += 1  # a transaction that changed something
        self._end()

    async def __aenter__(self) -> Self:
        self._open = True
        self._forget()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.rollback()
        self._open = False


class FakeReadUnitOfWork:
    def __init__(self, database: FakeDatabase) -> None:
        self._database = database
        self._open = False

    def _tables(self) -> FakeTables:
        if not self._open:
            raise RuntimeError("the unit of work is not open")
        self._database.reads += 1
        return self._database.tables

    @property
    def posts(self) -> FakePostReader:
        return FakePostReader(self._tables())

    @property
    def comments(self) -> FakeCommentReader:
        return FakeCommentReader(self._tables())

    @property
    def users(self) -> FakeUserReader:
        return FakeUserReader(self._tables())

    @property
    def user_stats(self) -> FakeUserStatsReader:
        return FakeUserStatsReader(self._tables())

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
