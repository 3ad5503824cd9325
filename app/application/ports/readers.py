"""Ports of the read side: readers return read models (views) straight from storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class PostView:
    id: str
    title: str
    body: str
    tags: list[str]
    author_id: str
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class UserView:
    id: str
    email: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class UserStatsView:
    user_id: str
    post_count: int
    last_post_at: datetime | None
    comment_count: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PostsPosition:
    """Where a page ends: the sort key of its last item."""

    created_at: datetime
    id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PostsFilter:
    author_id: str | None = None
    tag: str | None = None
    title_contains: str | None = None


class PostReader(Protocol):
    async def get(self, post_id: str) -> PostView | None: ...

    async def count(self, where: PostsFilter) -> int: ...

    async def page(
        self,
        where: PostsFilter,
        *,
        order: Literal["asc", "desc"],
        limit: int,
        after: PostsPosition | None,
    ) -> list[PostView]:
        """Up to `limit` posts strictly after `after` in the given order of (created_at, id)."""
        ...


class UserReader(Protocol):
    async def get(self, user_id: str) -> UserView | None: ...


class UserStatsReader(Protocol):
    async def get(self, user_id: str) -> UserStatsView | None: ...
