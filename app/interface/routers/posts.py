"""Posts: create, read, list, replace, patch, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from app.application.commands.posts import PostCommand, PostPatch
from app.application.ports.readers import PostView
from app.application.queries.posts import PostsQuery
from app.domain.posts import Post
from app.interface.dependencies import (
    CurrentUserId,
    IdempotentPostCommands,
    PostCommands,
    PublicPostQueries,
)
from app.interface.etags import accepted_versions, etag_of, none_match
from app.interface.parameters import PostId
from app.interface.problems import problem_responses
from app.interface.schemas.posts import PostOut, PostsPageOut

router = APIRouter(prefix="/api/v1/posts", tags=["posts"])

IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "Write only if the post still has one of these ETags",
    "schema": {"type": "string"},
}
IF_NONE_MATCH_PARAMETER = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "Answer 304 if the post still has one of these ETags",
    "schema": {"type": "string"},
}
"""Read from the request itself on this hot route: a declared header parameter costs
FastAPI's parameter machinery on every request."""


def _joined(header_lines: list[str] | None) -> str | None:
    """Repeated header lines mean the same as one comma-separated line."""
    return None if header_lines is None else ", ".join(header_lines)


async def _if_match(request: Request) -> str | None:
    """Every If-Match line, joined (a list-typed header parameter would document an array)."""
    return _joined(request.headers.getlist("if-match") or None)


IfMatch = Annotated[str | None, Depends(_if_match)]
CONDITIONAL_WRITE = {"parameters": [IF_MATCH_PARAMETER]}


JSON = "application/json"


def _post_response(post: Post | PostView, status_code: int = 200) -> Response:
    body = PostOut.model_validate(post, from_attributes=True).model_dump_json()
    headers = {"ETag": etag_of(post.id, post.version)}
    if status_code == status.HTTP_201_CREATED:
        headers["Location"] = f"{router.prefix}/{post.id}"
    return Response(body, status_code=status_code, media_type=JSON, headers=headers)


IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "Retrying with the same key and body within 24 h returns the first response "
            "(same post, 201) and creates nothing; another body is 422; 409 while the "
            "first request is still in progress."
        ),
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PostOut,
    responses=problem_responses(401, 409, 422),
)
async def create_post(
    command: PostCommand,
    user_id: CurrentUserId,
    posts: IdempotentPostCommands,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Publish a post as the signed-in user."""
    created = await posts.create_post(command, author_id=user_id, idempotency_key=idempotency_key)
    response = _post_response(created.post, status.HTTP_201_CREATED)
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@router.get("", response_model=PostsPageOut, responses=problem_responses(422))
async def list_posts(query: Annotated[PostsQuery, Query()], posts: PublicPostQueries) -> Response:
    """A page of posts, newest first by default; follow `next_cursor` for the next page."""
    result = await posts.get_posts(query)
    page = PostsPageOut(
        total=result.total,
        items=[PostOut.model_validate(item, from_attributes=True) for item in result.items],
        next_cursor=result.next_cursor,
    )
    return Response(page.model_dump_json(), media_type=JSON)


@router.get(
    "/{post_id}",
    response_model=PostOut,
    responses={304: {"description": "Not Modified"}, **problem_responses(404)},
    openapi_extra={"parameters": [IF_NONE_MATCH_PARAMETER]},
)
async def get_post(post_id: PostId, posts: PublicPostQueries, request: Request) -> Response:
    """One post, with its ETag."""
    post = await posts.get_post(post_id)
    etag = etag_of(post.id, post.version)
    if_none_match = request.headers.getlist("if-none-match") or None
    if none_match(_joined(if_none_match), etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return _post_response(post)


@router.put(
    "/{post_id}",
    response_model=PostOut,
    responses=problem_responses(401, 403, 404, 412, 422),
    openapi_extra=CONDITIONAL_WRITE,
)
async def replace_post(
    post_id: PostId,
    command: PostCommand,
    user_id: CurrentUserId,
    posts: PostCommands,
    if_match: IfMatch,
) -> Response:
    """Replace a post's title, body and tags (author only)."""
    post = await posts.update_post(
        post_id,
        command,
        user_id=user_id,
        accepted_versions=accepted_versions(if_match, post_id),
    )
    return _post_response(post)


@router.patch(
    "/{post_id}",
    response_model=PostOut,
    responses=problem_responses(401, 403, 404, 412, 422),
    openapi_extra=CONDITIONAL_WRITE,
)
async def patch_post(
    post_id: PostId,
    patch: PostPatch,
    user_id: CurrentUserId,
    posts: PostCommands,
    if_match: IfMatch,
) -> Response:
    """Change some of a post's title, body and tags (author only)."""
    post = await posts.patch_post(
        post_id,
        patch,
        user_id=user_id,
        accepted_versions=accepted_versions(if_match, post_id),
    )
    return _post_response(post)


@router.delete(
    "/{post_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 412),
    openapi_extra=CONDITIONAL_WRITE,
)
async def delete_post(
    post_id: PostId, user_id: CurrentUserId, posts: PostCommands, if_match: IfMatch
) -> Response:
    """Delete a post (author only)."""
    await posts.delete_post(
        post_id, user_id=user_id, accepted_versions=accepted_versions(if_match, post_id)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
