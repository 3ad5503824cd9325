"""Response bodies of comments."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

COMMENT_EXAMPLE: JsonDict = {
    "id": "01936f50-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
    "post_id": "01936f4e-8c2a-7b3d-9f10-2a4b6c8d0e1f",
    "author_id": "01936f4d-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "body": "The OR form made the difference for us too.",
    "created_at": "2026-01-07T11:00:00Z",
}


class CommentOut(BaseModel):
    """A comment under a post."""

    model_config = ConfigDict(json_schema_extra={"examples": [COMMENT_EXAMPLE]})

    id: str = Field(description="the comment's id (a UUIDv7)")
    post_id: str = Field(description="the post it is under")
    author_id: str = Field(description="the id of the user who wrote it")
    body: str = Field(description="1 to 5,000 characters")
    created_at: datetime = Field(description="when it was written (UTC)")


class CommentsPageOut(BaseModel):
    """A page of a post's comments, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"total": 1, "items": [COMMENT_EXAMPLE], "next_cursor": None}]
        }
    )

    total: int = Field(description="the post's comments, on every page")
    items: list[CommentOut] = Field(description="this page's comments, oldest first")
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )
