"""Path parameters shared by the routers, with what the OpenAPI document says of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

PostId = Annotated[str, Path(description="the post's id, as in its `id` field")]
CommentId = Annotated[str, Path(description="the comment's id, as in its `id` field")]
UserId = Annotated[str, Path(description="the user's id, as in their `id` field")]
