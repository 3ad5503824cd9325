"""Response bodies of posts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class PostOut(BaseModel):
    id: str
    title: str
    body: str
    tags: list[str]
    author_id: str
    created_at: datetime
    updated_at: datetime
    version: int


class PostsPageOut(BaseModel):
    total: int
    items: list[PostOut]
    next_cursor: str | None
