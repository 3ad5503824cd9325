"""Ports of the Comment aggregate: its repository on the write side, its reader and
views on the read side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.domain.comments import Comment


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentView:
    id: str
    post_id: str
    author_id: str
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentsPosition:
    """Where a page of comments ends: the sort key of its last item."""

    created_at: datetime
    id: str


class CommentReader(Protocol):
    async def get(self, comment_id: str) -> CommentView | None: ...

    async def count(self, post_id: str) -> int:
        """How many comments the post has."""
        ...

    async def page(
        self, post_id: str, *, limit: int, after: CommentsPosition | None
    ) -> list[CommentView]:
        """Up to `limit` of the post's comments strictly after `after`, oldest first
        (ordered by created_at, then id)."""
        ...


class CommentRepository(Protocol):
    async def add(self, comment: Comment) -> None:
        """Stage a new comment. Raises NotFound if its post does not exist and
        Unauthorized if its author does not, both checked in the same statement."""
        ...

    async def get(self, comment_id: str) -> Comment | None:
        """The comment, locked until the end of the transaction."""
        ...

    async def of_post(self, post_id: str) -> list[Comment]:
        """Every comment of the post, oldest first, locked until the end of the transaction."""
        ...

    async def delete(self, *comments: Comment) -> None: ...

    async def author_count(self, author_id: str) -> int:
        """How many comments the author has now."""
        ...
