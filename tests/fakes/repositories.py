"""In-memory repositories and readers, held to the same contract suites as the SQL ones."""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from app.application.ports.messaging import DeadEvent, OutboxBacklog
from app.application.ports.readers import (
    PostsFilter,
    PostsPosition,
    PostView,
    UserStatsView,
    UserView,
)
from app.application.ports.repositories import IdempotencyRecord, RefreshUse
from app.domain.errors import Conflict, NotFound, PreconditionFailed
from app.domain.events import DomainEvent, RecordsEvents
from app.domain.posts import Post
from app.domain.users import User, email_key
from app.infra.messaging.event_codec import decode, encode
from app.infra.tracing import current_trace_context
from tests.fakes.storage import FakeTables, OutboxEntry, StoredRefreshToken

TablesSource = Callable[[], Awaitable[FakeTables]]
logger = logging.getLogger(__name__)


class FakeRepository:
    """Base of the fakes used through a write unit of work: `begin` gives the
    transaction's own copy of the tables (its first call starts the transaction), and
    whatever is changed in that copy is what its commit stores. `track` reports an
    aggregate whose events are to be committed with it."""

    def __init__(
        self,
        begin: TablesSource,
        track: Callable[[RecordsEvents], None] = lambda aggregate: None,
    ) -> None:
        self._begin = begin
        self._track = track


class FakeUserRepository(FakeRepository):
    async def add(self, user: User) -> None:
        self._track(user)
        tables = await self._begin()
        if any(other.email_key == user.email_key for other in tables.users.values()):
            raise Conflict("a user with this email already exists")
        tables.users[user.id] = copy.deepcopy(user)

    async def get(self, user_id: str) -> User | None:
        tables = await self._begin()
        return copy.deepcopy(tables.users.get(user_id))

    async def get_by_email(self, email: str) -> User | None:
        tables = await self._begin()
        key = email_key(email)
        for user in tables.users.values():
            if user.email_key == key:
                return copy.deepcopy(user)
        return None


class FakePostRepository(FakeRepository):
    async def add(self, post: Post) -> None:
        self._track(post)
        tables = await self._begin()
        if post.author_id not in tables.users:
            raise NotFound(f"user {post.author_id} does not exist")
        tables.posts[post.id] = copy.deepcopy(post)

    async def get(self, post_id: str) -> Post | None:
        tables = await self._begin()
        return copy.deepcopy(tables.posts.get(post_id))

    async def update(self, post: Post, *, previous_version: int) -> None:
        self._track(post)
        tables = await self._begin()
        stored = tables.posts.get(post.id)
        if stored is None or stored.version != previous_version:
            raise PreconditionFailed("the post has changed since it was read")
        tables.posts[post.id] = copy.deepcopy(post)

    async def delete(self, post: Post) -> None:
        self._track(post)
        tables = await self._begin()
        stored = tables.posts.get(post.id)
        if stored is None or stored.version != post.version:
            raise PreconditionFailed("the post has changed since it was read")
        del tables.posts[post.id]

    async def author_stats(self, author_id: str) -> tuple[int, datetime | None]:
        tables = await self._begin()
        mine = [post.created_at for post in tables.posts.values() if post.author_id == author_id]
        return len(mine), max(mine, default=None)


class FakeHandledEvents(FakeRepository):
    async def contains(self, consumer: str, event_id: str) -> bool:
        tables = await self._begin()
        return f"{consumer}/{event_id}" in tables.handled_events

    async def claim_many(self, consumer: str, event_ids: Sequence[str]) -> list[str]:
        return [
            event_id
            for event_id in dict.fromkeys(event_ids)
            if await self.claim(consumer, event_id)
        ]

    async def claim(self, consumer: str, event_id: str) -> bool:
        tables = await self._begin()
        key = f"{consumer}/{event_id}"
        if key in tables.handled_events:
            return False
        tables.handled_events[key] = True
        return True


class FakeUserStatsRepository(FakeRepository):
    async def lock(self, user_id: str) -> None:
        tables = await self._begin()  # the writer lock serializes every transaction
        if user_id not in tables.user_stats:
            tables.user_stats[user_id] = UserStatsView(
                user_id=user_id, post_count=0, last_post_at=None, comment_count=0
            )

    async def save(self, user_id: str, *, post_count: int, last_post_at: datetime | None) -> None:
        await self._change(user_id, post_count=post_count, last_post_at=last_post_at)

    async def save_comment_count(self, user_id: str, *, comment_count: int) -> None:
        await self._change(user_id, comment_count=comment_count)

    async def _change(self, user_id: str, **changes: Any) -> None:
        tables = await self._begin()
        stored = tables.user_stats.get(user_id) or UserStatsView(
            user_id=user_id, post_count=0, last_post_at=None, comment_count=0
        )
        tables.user_stats[user_id] = dataclasses.replace(stored, **changes)


class FakeUserStatsReader:
    def __init__(self, tables: FakeTables) -> None:
        self._tables = tables

    async def get(self, user_id: str) -> UserStatsView | None:
        return self._tables.user_stats.get(user_id)


class FakeRefreshTokenRepository(FakeRepository):
    async def add(
        self, token_id: str, *, user_id: str, family_id: str, expires_at: datetime
    ) -> None:
        tables = await self._begin()
        tables.refresh_tokens[token_id] = StoredRefreshToken(user_id, family_id, expires_at)

    async def use(self, token_id: str, *, now: datetime) -> RefreshUse | None:
        tables = await self._begin()
        token = tables.refresh_tokens.get(token_id)
        if token is None:
            return None
        if token.used_at is not None:
            return RefreshUse(user_id=token.user_id, family_id=token.family_id, first=False)
        if token.revoked_at is not None or token.expires_at <= now:
            return None
        token.used_at = now
        return RefreshUse(user_id=token.user_id, family_id=token.family_id, first=True)

    async def revoke_family(self, family_id: str, *, now: datetime) -> None:
        tables = await self._begin()
        for token in tables.refresh_tokens.values():
            if token.family_id == family_id and token.revoked_at is None:
                token.revoked_at = now


def _view(post: Post) -> PostView:
    return PostView(
        id=post.id,
        title=post.title,
        body=post.body,
        tags=list(post.tags),
        author_id=post.author_id,
        created_at=post.created_at,
        updated_at=post.updated_at,
        version=post.version,
    )


def _matches(post: Post, where: PostsFilter) -> bool:
    if where.author_id is not None and post.author_id != where.author_id:
        return False
    if where.tag is not None and where.tag not in post.tags:
        return False
    return where.title_contains is None or where.title_contains.lower() in post.title.lower()


class FakePostReader:
    def __init__(self, tables: FakeTables) -> None:
        self._tables = tables

    async def get(self, post_id: str) -> PostView | None:
        post = self._tables.posts.get(post_id)
        return None if post is None else _view(post)

    async def count(self, where: PostsFilter) -> int:
        return sum(1 for post in self._tables.posts.values() if _matches(post, where))

    async def page(
        self,
        where: PostsFilter,
        *,
        order: Literal["asc", "desc"],
        limit: int,
        after: PostsPosition | None,
    ) -> list[PostView]:
        descending = order == "desc"
        matching = sorted(
            (post for post in self._tables.posts.values() if _matches(post, where)),
            key=lambda post: (post.created_at, post.id),
            reverse=descending,
        )
        if after is not None:
            mark = (after.created_at, after.id)
            matching = [
                post
                for post in matching
                if (
                    (post.created_at, post.id) < mark
                    if descending
                    else (post.created_at, post.id) > mark
                )
            ]
        return [_view(post) for post in matching[:limit]]


class FakeUserReader:
    def __init__(self, tables: FakeTables) -> None:
        self._tables = tables

    async def get(self, user_id: str) -> UserView | None:
        user = self._tables.users.get(user_id)
        if user is None:
            return None
        return UserView(
            id=user.id, email=user.email, display_name=user.display_name, created_at=user.created_at
        )


class FakeIdempotencyKeys(FakeRepository):
    async def add(self, record: IdempotencyRecord) -> bool:
        tables = await self._begin()
        row = _key_row(record.user_id, record.key)
        if row in tables.idempotency_keys:
            return False
        tables.idempotency_keys[row] = record
        return True

    async def get(self, user_id: str, key: str) -> IdempotencyRecord | None:
        tables = await self._begin()
        return tables.idempotency_keys.get(_key_row(user_id, key))

    async def restart(self, record: IdempotencyRecord, *, expected_started_at: datetime) -> bool:
        tables = await self._begin()
        row = _key_row(record.user_id, record.key)
        stored = tables.idempotency_keys.get(row)
        if stored is None or stored.started_at != expected_started_at:
            return False
        tables.idempotency_keys[row] = record
        return True

    async def complete(
        self, user_id: str, key: str, *, started_at: datetime, response: str
    ) -> bool:
        tables = await self._begin()
        row = _key_row(user_id, key)
        stored = tables.idempotency_keys.get(row)
        if stored is None or stored.started_at != started_at:
            return False
        tables.idempotency_keys[row] = dataclasses.replace(stored, response=response)
        return True

    async def remove(self, user_id: str, key: str, *, started_at: datetime) -> None:
        tables = await self._begin()
        row = _key_row(user_id, key)
        stored = tables.idempotency_keys.get(row)
        if stored is not None and stored.started_at == started_at:
            del tables.idempotency_keys[row]


def _key_row(user_id: str, key: str) -> str:
    return f"{user_id}\x00{key}"


class FakeOutbox(FakeRepository):
    """Events go through the real codec, so an event the SQL outbox could not store
    fails here too."""

    async def add(self, events: Sequence[DomainEvent]) -> None:
        tables = await self._begin()
        trace_context = current_trace_context()
        for event in events:
            kind, payload = encode(event)
            tables.outbox[event.event_id] = OutboxEntry(
                kind, payload, event.occurred_at, trace_context=trace_context
            )

    async def unsent(self, event_ids: Sequence[str]) -> list[DomainEvent]:
        tables = await self._begin()
        wanted = set(event_ids)
        return self._decoded(
            (event_id, entry)
            for event_id, entry in tables.outbox.items()
            if event_id in wanted and entry.waiting
        )

    async def due(self, *, before: datetime, limit: int) -> list[DomainEvent]:
        tables = await self._begin()
        due = [
            (event_id, entry)
            for event_id, entry in tables.outbox.items()
            if entry.waiting and entry.occurred_at < before
        ]
        return self._decoded(due, limit=limit)

    @staticmethod
    def _decoded(
        entries: Iterable[tuple[str, OutboxEntry]], limit: int | None = None
    ) -> list[DomainEvent]:
        """Oldest first, as the SQL outbox; a row of an unknown type stays where it is."""
        ordered = sorted(entries, key=lambda item: (item[1].occurred_at, item[0]))[:limit]
        events = []
        for event_id, entry in ordered:
            try:
                events.append(decode(entry.kind, entry.payload, entry.trace_context))
            except ValueError:
                logger.error(
                    "event %s of unknown type %r stays in the outbox", event_id, entry.kind
                )
        return events

    async def mark_sent(self, event_ids: Sequence[str], *, at: datetime) -> None:
        tables = await self._begin()
        for event_id in event_ids:
            entry = tables.outbox.get(event_id)
            if entry is not None and entry.sent_at is None:
                entry.sent_at = at

    async def failed(
        self, event_ids: Sequence[str], *, at: datetime, max_attempts: int
    ) -> list[str]:
        tables = await self._begin()
        died = []
        for event_id in event_ids:
            entry = tables.outbox.get(event_id)
            if entry is None or not entry.waiting:
                continue
            entry.attempts += 1
            if entry.attempts >= max_attempts:
                entry.dead_at = at
                died.append(event_id)
        return died

    async def returned(self, event_id: str, *, at: datetime, max_attempts: int) -> bool:
        tables = await self._begin()
        entry = tables.outbox.get(event_id)
        if entry is None or entry.dead_at is not None:
            return False
        entry.sent_at = None
        return bool(await self.failed([event_id], at=at, max_attempts=max_attempts))

    async def backlog(self) -> OutboxBacklog:
        tables = await self._begin()
        waiting = [entry.occurred_at for entry in tables.outbox.values() if entry.waiting]
        dead = sum(entry.dead_at is not None for entry in tables.outbox.values())
        return OutboxBacklog(
            unsent=len(waiting), oldest_unsent=min(waiting, default=None), dead=dead
        )

    async def dead(self, *, limit: int) -> list[DeadEvent]:
        tables = await self._begin()
        dead = [
            DeadEvent(
                id=event_id,
                type=entry.kind,
                occurred_at=entry.occurred_at,
                attempts=entry.attempts,
                dead_at=entry.dead_at,
            )
            for event_id, entry in tables.outbox.items()
            if entry.dead_at is not None
        ]
        return sorted(dead, key=lambda event: (event.dead_at, event.id))[:limit]

    async def revive(self, event_ids: Sequence[str]) -> int:
        tables = await self._begin()
        revived = 0
        for event_id in event_ids:
            entry = tables.outbox.get(event_id)
            if entry is not None and entry.dead_at is not None:
                entry.dead_at, entry.attempts, entry.sent_at = None, 0, None
                revived += 1
        return revived
