"""Ports of the write side: repositories of aggregates, used through the write unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.domain.posts import Post
from app.domain.users import User


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Stage a new user; raises Conflict if the email is taken in any case."""
        ...

    async def get(self, user_id: str) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None:
        """Find a user by email, ignoring case."""
        ...


class PostRepository(Protocol):
    async def add(self, post: Post) -> None:
        """Stage a new post; raises NotFound if its author does not exist."""
        ...

    async def get(self, post_id: str) -> Post | None: ...

    async def update(self, post: Post, *, previous_version: int) -> None:
        """Store the edited post if the stored one is still at previous_version.

        Raises PreconditionFailed when another writer got there first, so no update is lost.
        """
        ...

    async def delete(self, post: Post) -> None:
        """Delete the post if it is still at its version; raises PreconditionFailed if not."""
        ...

    async def author_stats(self, author_id: str) -> tuple[int, datetime | None]:
        """How many posts the author has now, and when the newest was created."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshUse:
    """A refresh token presented: whose it is, its family, and whether it was still fresh."""

    user_id: str
    family_id: str
    first: bool
    """False: the token had been used before, so it is being replayed."""


class RefreshTokenRepository(Protocol):
    """Refresh tokens by id (stored only as a digest), each in the family of the sign-in
    that started its chain of rotations."""

    async def add(
        self, token_id: str, *, user_id: str, family_id: str, expires_at: datetime
    ) -> None: ...

    async def use(self, token_id: str, *, now: datetime) -> RefreshUse | None:
        """Mark the token used. None when it is unknown, expired or revoked; `first` is
        False when it had been used already (the token was replayed)."""
        ...

    async def revoke_family(self, family_id: str, *, now: datetime) -> None:
        """No token of the family can be used any more."""
        ...


class HandledEvents(Protocol):
    async def contains(self, consumer: str, event_id: str) -> bool:
        """Whether the consumer has already handled the event."""
        ...

    async def claim(self, consumer: str, event_id: str) -> bool:
        """Record that the consumer handles the event: True the first time, then False.

        Recorded in the consumer's transaction: rolled back with its effect.
        """
        ...

    async def claim_many(self, consumer: str, event_ids: Sequence[str]) -> list[str]:
        """Record the events the consumer has not handled yet; those ids, in the given
        order, each once.

        In the consumer's transaction, like `claim`. Callers hold a lock covering the
        events (two transactions claiming one event at once may fail instead).
        """
        ...


class UserStatsRepository(Protocol):
    async def lock(self, user_id: str) -> None:
        """Hold the user's stats until the end of the transaction (creating them at zero if
        need be), so projections of one user run one after another and the last to commit
        saw every earlier change. Posts and comments are not locked: writers never wait on
        projections."""
        ...

    async def save(
        self, user_id: str, *, post_count: int, last_post_at: datetime | None
    ) -> None: ...

    async def save_comment_count(self, user_id: str, *, comment_count: int) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class IdempotencyRecord:
    """A user's Idempotency-Key: the request it came with, and the first response once
    that request is done (None while it is in flight)."""

    user_id: str
    key: str
    request_hash: str
    started_at: datetime
    response: str | None = None


class IdempotencyKeys(Protocol):
    async def add(self, record: IdempotencyRecord) -> bool:
        """Store a new key; False, storing nothing, when the user has this key already."""
        ...

    async def get(self, user_id: str, key: str) -> IdempotencyRecord | None: ...

    async def restart(self, record: IdempotencyRecord, *, expected_started_at: datetime) -> bool:
        """Replace the stored key by `record` if it still started at `expected_started_at`
        (taking over an expired or abandoned key); False when another request took it."""
        ...

    async def complete(
        self, user_id: str, key: str, *, started_at: datetime, response: str
    ) -> bool:
        """Keep the first response of the key's request, if the key is still the one
        started at `started_at`; False when another request took it over."""
        ...

    async def remove(self, user_id: str, key: str, *, started_at: datetime) -> None:
        """Forget the key, if it is still the one started at `started_at`."""
        ...
