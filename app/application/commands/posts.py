"""Post commands: create, replace, patch and delete, by their author only."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from app.application import cache_tags
from app.application.clock import Clock
from app.application.handlers import CommandService, command_handler
from app.application.ports.readers import PostView
from app.application.ports.repositories import IdempotencyRecord
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.domain.errors import Conflict, InvalidInput, NotFound, Unauthorized
from app.domain.identity import is_well_formed_id
from app.domain.posts import BODY_MAX, TAG_MAX, TAG_PATTERN, TAGS_MAX, TITLE_MAX, Post


def _unique_tags(tags: list[str]) -> list[str]:
    unique = list(dict.fromkeys(tags))
    if len(unique) > TAGS_MAX:
        raise ValueError(f"at most {TAGS_MAX} distinct tags are allowed")
    return unique


Title = Annotated[str, StringConstraints(min_length=1, max_length=TITLE_MAX)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=BODY_MAX)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=TAG_MAX, pattern=TAG_PATTERN)]
Tags = Annotated[list[Tag], Field(max_length=100), AfterValidator(_unique_tags)]


class PostCommand(BaseModel):
    """The full content of a post, as written on create and on replace."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Title
    body: Body
    tags: Tags = Field(default_factory=list)


class PostPatch(BaseModel):
    """Some of a post's fields; the others keep their value. None of them may be null."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={"minProperties": 1})

    title: Title | SkipJsonSchema[None] = None
    body: Body | SkipJsonSchema[None] = None
    tags: Tags | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _at_least_one_non_null_field(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one of title, body, tags")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


KEY_LIFETIME = timedelta(hours=24)
"""How long an Idempotency-Key replays its first response (API.md)."""
ABANDONED_AFTER = timedelta(seconds=30)
"""A key still in flight after this long belongs to a request that died (a crashed
process): a retry may take it over."""
_SNAPSHOT = TypeAdapter(PostView)


def request_digest(command: PostCommand) -> str:
    """Equal for requests with the same content, whatever their JSON's spacing or order."""
    return hashlib.sha256(command.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Created:
    post: Post | PostView
    replayed: bool
    """True when this is the first response of an earlier request with the same key."""


class PostCommandService(CommandService):
    def __init__(self, write_uow: WriteUnitOfWorkFactory, clock: Clock) -> None:
        super().__init__(write_uow)
        self._clock = clock

    async def create_post_once(
        self, command: PostCommand, *, author_id: str, idempotency_key: str
    ) -> Created:
        """Create the post unless this user's key already did: then its first response.

        The key is claimed in a transaction of its own, so a concurrent retry sees it in
        flight (Conflict) instead of waiting; the post and the key's response commit
        together, so a key is never done without its post, nor a post made twice. The
        same key with another body is InvalidInput. A failed create frees the key.
        """
        request = IdempotencyRecord(
            user_id=author_id,
            key=idempotency_key,
            request_hash=request_digest(command),
            started_at=self._clock(),
        )
        earlier = await self._claim(request)
        if earlier is not None:
            return Created(earlier, replayed=True)
        try:
            post = await self._create_remembered(command, request)
        except BaseException:
            await self._release(request)
            raise
        return Created(post, replayed=False)

    @command_handler
    async def _claim(self, request: IdempotencyRecord) -> PostView | None:
        """None when the key is now this request's; the first response if it was done."""
        keys = self.uow.idempotency_keys
        if await keys.add(request):
            return None
        stored = await keys.get(request.user_id, request.key)
        if stored is None:  # removed meanwhile (a failed first request): try once more
            if await keys.add(request):
                return None
            raise Conflict("a request with this Idempotency-Key is in progress")
        age = request.started_at - stored.started_at
        expired = age >= KEY_LIFETIME
        abandoned = stored.response is None and age >= ABANDONED_AFTER
        if expired or abandoned:
            if await keys.restart(request, expected_started_at=stored.started_at):
                return None
            raise Conflict("a request with this Idempotency-Key is in progress")
        if stored.request_hash != request.request_hash:
            raise InvalidInput("this Idempotency-Key was used with another request body")
        if stored.response is None:
            raise Conflict("a request with this Idempotency-Key is in progress")
        return _SNAPSHOT.validate_json(stored.response)

    @command_handler
    async def _create_remembered(self, command: PostCommand, request: IdempotencyRecord) -> Post:
        post = await self.create_post(command, author_id=request.user_id)
        view = PostView(**{field.name: getattr(post, field.name) for field in fields(PostView)})
        response = _SNAPSHOT.dump_json(view)
        if not await self.uow.idempotency_keys.complete(
            request.user_id, request.key, started_at=request.started_at, response=response.decode()
        ):  # a retry took the key over, believing this request dead: its post stands alone
            raise Conflict("a request with this Idempotency-Key is in progress")
        return post

    @command_handler
    async def _release(self, request: IdempotencyRecord) -> None:
        await self.uow.idempotency_keys.remove(
            request.user_id, request.key, started_at=request.started_at
        )

    @command_handler
    async def create_post(self, command: PostCommand, *, author_id: str) -> Post:
        post = Post.create(
            title=command.title,
            body=command.body,
            tags=list(command.tags),
            author_id=author_id,
            now=self._clock(),
        )
        try:
            await self.uow.posts.add(post)  # checks the author in the same statement
        except NotFound:
            raise Unauthorized("the signed-in user no longer exists") from None
        self.uow.touch(*cache_tags.post_change(post.id, post.author_id, post.tags))
        return post

    @command_handler
    async def update_post(
        self,
        post_id: str,
        command: PostCommand,
        *,
        user_id: str,
        accepted_versions: Collection[int] | None = None,
    ) -> Post:
        return await self._edit(
            post_id,
            user_id=user_id,
            accepted_versions=accepted_versions,
            title=command.title,
            body=command.body,
            tags=list(command.tags),
        )

    @command_handler
    async def patch_post(
        self,
        post_id: str,
        patch: PostPatch,
        *,
        user_id: str,
        accepted_versions: Collection[int] | None = None,
    ) -> Post:
        return await self._edit(
            post_id,
            user_id=user_id,
            accepted_versions=accepted_versions,
            title=patch.title,
            body=patch.body,
            tags=None if patch.tags is None else list(patch.tags),
        )

    @command_handler
    async def delete_post(
        self, post_id: str, *, user_id: str, accepted_versions: Collection[int] | None = None
    ) -> None:
        post = await self._get(post_id)
        post.ensure_can_be_changed_by(user_id, accepted_versions)
        post.delete(now=self._clock())
        await self.uow.posts.delete(post)
        self.uow.touch(*cache_tags.post_change(post.id, post.author_id, post.tags))

    async def _edit(
        self,
        post_id: str,
        *,
        user_id: str,
        accepted_versions: Collection[int] | None,
        title: str | None,
        body: str | None,
        tags: list[str] | None,
    ) -> Post:
        post = await self._get(post_id)
        post.ensure_can_be_changed_by(user_id, accepted_versions)
        previous_version, previous_tags = post.version, list(post.tags)
        post.edit(now=self._clock(), title=title, body=body, tags=tags)
        await self.uow.posts.update(post, previous_version=previous_version)
        self.uow.touch(
            *cache_tags.post_change(post.id, post.author_id, [*previous_tags, *post.tags])
        )
        return post

    async def _get(self, post_id: str) -> Post:
        post = await self.uow.posts.get(post_id) if is_well_formed_id(post_id) else None
        if post is None:
            raise NotFound(f"post {post_id} does not exist")
        return post
