"""An in-memory database with transactions: what the fake units of work share.

A write unit of work takes the database's writer lock at its first statement (as
SQLite's `BEGIN IMMEDIATE` does; MySQL's row locks give overlapping writers the same
outcome) and works on its own copy; at commit its copy becomes the database (nothing
else wrote meanwhile: it held the lock), so no change is left out, and until then no
reader sees any. Leaving without commit discards the copy.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.application.ports.readers import UserStatsView
from app.application.ports.repositories import IdempotencyRecord
from app.domain.comments import Comment
from app.domain.posts import Post
from app.domain.users import User


@dataclass(slots=True)
class StoredRefreshToken:
    user_id: str
    family_id: str
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(slots=True)
class OutboxEntry:
    """An event as the SQL outbox stores it: its type's name and its JSON."""

    kind: str
    payload: str
    occurred_at: datetime
    sent_at: datetime | None = None
    attempts: int = 0
    dead_at: datetime | None = None
    trace_context: str | None = None

    @property
    def waiting(self) -> bool:
        return self.sent_at is None and self.dead_at is None


@dataclass
class FakeTables:
    users: dict[str, User] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    refresh_tokens: dict[str, StoredRefreshToken] = field(default_factory=dict)
    outbox: dict[str, OutboxEntry] = field(default_factory=dict)
    handled_events: dict[str, bool] = field(default_factory=dict)
    user_stats: dict[str, UserStatsView] = field(default_factory=dict)
    idempotency_keys: dict[str, IdempotencyRecord] = field(default_factory=dict)


POSTED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeDatabase:
    tables: FakeTables = field(default_factory=FakeTables)
    commits: int = 0
    rollbacks: int = 0
    read_scopes_opened: int = 0
    reads: int = 0
    writer_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def with_users(cls, *user_ids: str) -> FakeDatabase:
        """A database holding bare users with these ids (authors for posts)."""
        database = cls()
        for user_id in user_ids:
            database.tables.users[user_id] = User(
                id=user_id,
                email=f"{user_id}@example.com",
                display_name=user_id,
                password_hash="hash",
                created_at=datetime(2024, 1, 1, tzinfo=UTC),
            )
        return database

    def add_post(self, author_id: str, *, now: datetime = POSTED_AT) -> Post:
        """A post by this author, stored as committed."""
        post = Post.create(title="T", body="B", tags=[], author_id=author_id, now=now)
        self.tables.posts[post.id] = post
        return post

    def snapshot(self) -> FakeTables:
        return copy.deepcopy(self.tables)
