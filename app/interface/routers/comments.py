"""Comments of a post: write, read, list, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app.application.commands.comments import CommentCommand, CommentCommandService
from app.application.queries.comments import CommentQueryService, CommentsQuery
from app.interface.dependencies import CurrentUserId, for_public_read, provided
from app.interface.parameters import CommentId, PostId
from app.interface.problems import problem_responses
from app.interface.schemas.comments import CommentOut, CommentsPageOut

router = APIRouter(prefix="/api/v1/posts/{post_id}/comments", tags=["comments"])

CommentCommands = Annotated[CommentCommandService, Depends(provided(CommentCommandService))]
PublicCommentQueries = Annotated[CommentQueryService, Depends(for_public_read(CommentQueryService))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CommentOut,
    responses=problem_responses(401, 404, 422),
)
async def create_comment(
    post_id: PostId,
    command: CommentCommand,
    user_id: CurrentUserId,
    comments: CommentCommands,
    response: Response,
) -> CommentOut:
    """Comment on a post as the signed-in user."""
    comment = await comments.create_comment(post_id, command, author_id=user_id)
    response.headers["Location"] = f"/api/v1/posts/{comment.post_id}/comments/{comment.id}"
    return CommentOut.model_validate(comment, from_attributes=True)


@router.get("", response_model=CommentsPageOut, responses=problem_responses(404, 422))
async def list_comments(
    post_id: PostId, query: Annotated[CommentsQuery, Query()], comments: PublicCommentQueries
) -> CommentsPageOut:
    """A page of the post's comments, oldest first; follow `next_cursor` for the next page."""
    result = await comments.get_comments(post_id, query)
    return CommentsPageOut(
        total=result.total,
        items=[CommentOut.model_validate(item, from_attributes=True) for item in result.items],
        next_cursor=result.next_cursor,
    )


@router.get("/{comment_id}", response_model=CommentOut, responses=problem_responses(404))
async def get_comment(
    post_id: PostId, comment_id: CommentId, comments: PublicCommentQueries
) -> CommentOut:
    """One comment of the post."""
    comment = await comments.get_comment(post_id, comment_id)
    return CommentOut.model_validate(comment, from_attributes=True)


@router.delete(
    "/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404),
)
async def delete_comment(
    post_id: PostId, comment_id: CommentId, user_id: CurrentUserId, comments: CommentCommands
) -> Response:
    """Delete a comment (its author, or the post's author)."""
    await comments.delete_comment(post_id, comment_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
