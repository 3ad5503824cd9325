"""Response bodies of posts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

POST_EXAMPLE: JsonDict = {
    "id": "01936f4e-8c2a-7b3d-9f10-2a4b6c8d0e1f",
    "title": "Keyset paging on MariaDB",
    "body": "Why OFFSET slows down with depth, and what a cursor does instead.",
    "tags": ["databases", "performance"],
    "author_id": "01936f4d-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "created_at": "2026-01-07T09:30:00Z",
    "updated_at": "2026-01-07T10:05:00Z",
    "version": 2,
}


class PostOut(BaseModel):
    """A post; its `ETag` header carries the version."""

    model_config = ConfigDict(json_schema_extra={"examples": [POST_EXAMPLE]})

    id: str = Field(description="the post's id (a UUIDv7)")
    title: str = Field(description="1 to 200 characters")
    body: str = Field(description="1 to 100,000 characters")
    tags: list[str] = Field(description="up to 10 distinct tags (a-z, 0-9, -), in the order given")
    author_id: str = Field(description="the id of the user who wrote it")
    created_at: datetime = Field(description="when it was published (UTC)")
    updated_at: datetime = Field(description="when it last changed (UTC)")
    version: int = Field(description="1 at creation, one more at each change")


class PostsPageOut(BaseModel):
    """A page of posts."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"total": 1, "items": [POST_EXAMPLE], "next_cursor": None}]}
    )

    total: int = Field(
        description="posts matching the filters, on every page (may lag writes by a few seconds)"
    )
    items: list[PostOut] = Field(description="this page's posts, in the requested order")
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )
