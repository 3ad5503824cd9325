"""Response bodies of comments."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class CommentOut(BaseModel):
    id: str
    post_id: str
    author_id: str
    body: str
    created_at: datetime


class CommentsPageOut(BaseModel):
    total: int
    items: list[CommentOut]
    next_cursor: str | None
