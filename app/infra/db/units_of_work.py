"""The SQL units of work.

`SqlWriteUnitOfWork`: one session on the primary, one transaction, committed only by
`commit()`; leaving without it rolls back. `SqlReadUnitOfWork`: one connection from the
read engine, opened at the first query (a scope that never queries costs nothing),
and no commit at all. Both turn lost or refused connections into `Unavailable`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.application.consistency import reads_from_primary
from app.application.write_unit_of_work import CommitEffects, WriteUnitOfWorkBase
from app.domain.errors import AppError, Contention, StaleConnection, Unavailable
from app.infra.repositories.sql_comments import SqlCommentReader, SqlCommentRepository
from app.infra.repositories.sql_events import SqlHandledEvents, SqlOutbox
from app.infra.repositories.sql_idempotency import SqlIdempotencyKeys
from app.infra.repositories.sql_posts import SqlPostReader, SqlPostRepository
from app.infra.repositories.sql_refresh_tokens import SqlRefreshTokenRepository
from app.infra.repositories.sql_user_stats import SqlUserStatsReader, SqlUserStatsRepository
from app.infra.repositories.sql_users import SqlUserReader, SqlUserRepository

ConnectionFactory = Callable[[], AbstractAsyncContextManager[AsyncConnection]]


# MySQL/MariaDB: lock wait timeout, deadlock. SQLite: another writer holds the lock.
_CONTENTION_CODES = frozenset({1205, 1213})
_SQLITE_BUSY = ("database is locked", "database is busy")


def _translated(error: BaseException | None) -> AppError | None:
    """The application's name for a driver failure: Contention, Unavailable, or None."""
    if isinstance(error, PoolTimeout):
        return Unavailable("the database is unavailable")
    if not isinstance(error, DBAPIError):
        return None
    original = error.orig
    code = original.args[0] if original is not None and original.args else None
    if code in _CONTENTION_CODES or any(text in str(original) for text in _SQLITE_BUSY):
        return Contention("the database is busy with concurrent work; try again")
    if error.connection_invalidated:
        return StaleConnection("the database connection was lost")
    if isinstance(error, OperationalError | InterfaceError):
        return Unavailable("the database is unavailable")
    return None


def _raise_translated(error: BaseException | None) -> None:
    translated = _translated(error)
    if translated is not None:
        raise translated from error


class SqlWriteUnitOfWork(WriteUnitOfWorkBase):
    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], *, effects: CommitEffects
    ) -> None:
        super().__init__(effects=effects)
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    @property
    def users(self) -> SqlUserRepository:
        return SqlUserRepository(self.session, self.saw)

    @property
    def posts(self) -> SqlPostRepository:
        return SqlPostRepository(self.session, self.saw)

    @property
    def comments(self) -> SqlCommentRepository:
        return SqlCommentRepository(self.session, self.saw)

    @property
    def refresh_tokens(self) -> SqlRefreshTokenRepository:
        return SqlRefreshTokenRepository(self.session)

    @property
    def handled_events(self) -> SqlHandledEvents:
        return SqlHandledEvents(self.session)

    @property
    def user_stats(self) -> SqlUserStatsRepository:
        return SqlUserStatsRepository(self.session)

    @property
    def idempotency_keys(self) -> SqlIdempotencyKeys:
        return SqlIdempotencyKeys(self.session)

    @property
    def outbox(self) -> SqlOutbox:
        return SqlOutbox(self.session)

    async def _commit_transaction(self) -> None:
        await self.session.commit()

    async def _rollback_transaction(self) -> None:
        await self.session.rollback()

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self._forget()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        cleanup_error: BaseException | None = None
        try:
            await session.rollback()
        except Exception as error:
            cleanup_error = error
        finally:
            try:
                await session.close()
            except Exception as error:
                cleanup_error = cleanup_error or error
        _raise_translated(exc or cleanup_error)
        if exc is None and cleanup_error is not None:
            raise cleanup_error


class SqlReadUnitOfWork:
    """Reads the read engine, or the primary while the caller must read their own writes."""

    def __init__(
        self, connect: ConnectionFactory, primary_connect: ConnectionFactory | None = None
    ) -> None:
        self._connect = connect
        self._primary_connect = primary_connect
        self._stack: AsyncExitStack | None = None
        self._connection: AsyncConnection | None = None
        self.posts = SqlPostReader(self._open_connection)
        self.comments = SqlCommentReader(self._open_connection)
        self.users = SqlUserReader(self._open_connection)
        self.user_stats = SqlUserStatsReader(self._open_connection)

    async def _open_connection(self) -> AsyncConnection:
        if self._connection is None:
            if self._stack is None:
                raise RuntimeError("the unit of work is not open")
            connect = self._connect
            if self._primary_connect is not None and reads_from_primary():
                connect = self._primary_connect
            self._connection = await self._stack.enter_async_context(connect())
        return self._connection

    async def __aenter__(self) -> Self:
        self._stack = AsyncExitStack()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stack, self._stack, self._connection = self._stack, None, None
        if stack is not None:
            await stack.aclose()
        _raise_translated(exc)
