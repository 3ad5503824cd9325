"""In-memory comments, held to the same contract suite as the SQL repository and reader."""

from __future__ import annotations

import copy

from app.application.ports.comments import CommentsPosition, CommentView
from app.domain.comments import Comment
from app.domain.errors import NotFound, Unauthorized
from tests.fakes.repositories import FakeRepository
from tests.fakes.storage import FakeTables


def _oldest_first(comment: Comment | CommentView) -> tuple[object, str]:
    return comment.created_at, comment.id


class FakeCommentRepository(FakeRepository):
    async def add(self, comment: Comment) -> None:
        self._track(comment)
        tables = await self._begin()
        if comment.post_id not in tables.posts:
            raise NotFound(f"post {comment.post_id} does not exist")
        if comment.author_id not in tables.users:
            raise Unauthorized(f"user {comment.author_id} does not exist")
        tables.comments[comment.id] = copy.deepcopy(comment)

    async def get(self, comment_id: str) -> Comment | None:
        tables = await self._begin()
        return copy.deepcopy(tables.comments.get(comment_id))

    async def of_post(self, post_id: str) -> list[Comment]:
        tables = await self._begin()
        mine = [c for c in tables.comments.values() if c.post_id == post_id]
        return [copy.deepcopy(comment) for comment in sorted(mine, key=_oldest_first)]

    async def delete(self, *comments: Comment) -> None:
        tables = await self._begin()
        for comment in comments:
            self._track(comment)
            tables.comments.pop(comment.id, None)

    async def author_count(self, author_id: str) -> int:
        tables = await self._begin()
        return sum(1 for comment in tables.comments.values() if comment.author_id == author_id)


def _view(comment: Comment) -> CommentView:
    return CommentView(
        id=comment.id,
        post_id=comment.post_id,
        author_id=comment.author_id,
        body=comment.body,
        created_at=comment.created_at,
    )


class FakeCommentReader:
    def __init__(self, tables: FakeTables) -> None:
        self._tables = tables

    async def get(self, comment_id: str) -> CommentView | None:
        comment = self._tables.comments.get(comment_id)
        return None if comment is None else _view(comment)

    async def count(self, post_id: str) -> int:
        return sum(1 for comment in self._tables.comments.values() if comment.post_id == post_id)

    async def page(
        self, post_id: str, *, limit: int, after: CommentsPosition | None
    ) -> list[CommentView]:
        mine = sorted(
            (_view(c) for c in self._tables.comments.values() if c.post_id == post_id),
            key=_oldest_first,
        )
        if after is not None:
            mark = (after.created_at, after.id)
            mine = [view for view in mine if (view.created_at, view.id) > mark]
        return mine[:limit]
