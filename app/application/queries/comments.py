"""Comment queries: one comment, and a post's comments oldest first in keyset pages
(cursors: `keyset.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.application import cache_tags
from app.application.caching import cached
from app.application.handlers import QueryService, query_handler
from app.application.ports.comments import CommentsPosition, CommentView
from app.application.queries import keyset
from app.domain.errors import NotFound
from app.domain.identity import is_well_formed_id


def encode_cursor(position: CommentsPosition) -> str:
    return keyset.encode_cursor(position.created_at, position.id)


def decode_cursor(cursor: str) -> CommentsPosition:
    """The position a cursor stands for; ValueError for anything not issued here."""
    _, created_at, comment_id = keyset.decode_cursor(cursor)
    return CommentsPosition(created_at=created_at, id=comment_id)


CommentsCursor = Annotated[keyset.Cursor, AfterValidator(keyset.issued_by(decode_cursor))]


class CommentsQuery(BaseModel):
    """Position and size of a page of a post's comments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(default=20, ge=1, le=100, description="comments per page, 1 to 100")
    cursor: CommentsCursor | None = Field(
        default=None, description="the previous page's `next_cursor`; absent for the first page"
    )

    @property
    def after(self) -> CommentsPosition | None:
        """Where the previous page ended, or None for the first page."""
        return None if self.cursor is None else decode_cursor(self.cursor)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentsResult:
    total: int
    items: list[CommentView]
    next_cursor: str | None


class CommentQueryService(QueryService):
    @query_handler
    @cached(ttl=30, tags=lambda post_id, comment_id: [cache_tags.comment(comment_id)])
    async def get_comment(self, post_id: str, comment_id: str) -> CommentView:
        found = await self.uow.comments.get(comment_id) if is_well_formed_id(comment_id) else None
        if found is None or found.post_id != post_id:
            raise NotFound(f"comment {comment_id} does not exist")
        return found

    @query_handler
    @cached(ttl=30, tags=lambda post_id, query: [cache_tags.comments_of_post(post_id)])
    async def get_comments(self, post_id: str, query: CommentsQuery) -> CommentsResult:
        if not is_well_formed_id(post_id):
            raise NotFound(f"post {post_id} does not exist")
        rows = await self.uow.comments.page(post_id, limit=query.limit + 1, after=query.after)
        # A comment keeps its post in existence: only an empty page needs to look for it.
        if not rows and await self.uow.posts.get(post_id) is None:
            raise NotFound(f"post {post_id} does not exist")
        items = rows[: query.limit]
        next_cursor = None
        if len(rows) > query.limit:
            last = items[-1]
            next_cursor = encode_cursor(CommentsPosition(created_at=last.created_at, id=last.id))
        total = await self.uow.comments.count(post_id)
        return CommentsResult(total=total, items=items, next_cursor=next_cursor)
