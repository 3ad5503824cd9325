"""Units of work: the only way services reach storage.

The write unit of work is one transaction on the primary; the read unit of work is a
read-only scope on the read engine and has no commit at all.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from app.application.ports.comments import CommentReader, CommentRepository
from app.application.ports.messaging import Outbox
from app.application.ports.readers import PostReader, UserReader, UserStatsReader
from app.application.ports.repositories import (
    HandledEvents,
    IdempotencyKeys,
    PostRepository,
    RefreshTokenRepository,
    UserRepository,
    UserStatsRepository,
)


class ReadUnitOfWork(Protocol):
    @property
    def posts(self) -> PostReader: ...

    @property
    def comments(self) -> CommentReader: ...

    @property
    def users(self) -> UserReader: ...

    @property
    def user_stats(self) -> UserStatsReader: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class WriteUnitOfWork(Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def posts(self) -> PostRepository: ...

    @property
    def comments(self) -> CommentRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...

    @property
    def handled_events(self) -> HandledEvents: ...

    @property
    def user_stats(self) -> UserStatsRepository: ...

    @property
    def idempotency_keys(self) -> IdempotencyKeys: ...

    @property
    def outbox(self) -> Outbox: ...

    def touch(self, *tags: str) -> None:
        """Cached results carrying these tags become unreachable once this commits (the
        tags of changed aggregates follow from their events without it)."""
        ...

    async def commit(self) -> None:
        """Commit the changes and the domain events of every aggregate the repositories saw
        (written to the outbox in the same transaction), then run the post-commit work:
        invalidation of the tags the events and `touch` named, read-your-writes, and a
        kick to the outbox relay (see `app.application.write_unit_of_work`)."""
        ...

    async def rollback(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...


ReadUnitOfWorkFactory = Callable[[], ReadUnitOfWork]
WriteUnitOfWorkFactory = Callable[[], WriteUnitOfWork]
