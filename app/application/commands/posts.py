"""Post commands: create, replace, patch and delete (with the post's comments), by
their author only.

The cache tags a change makes stale follow from the events the post records; creating
a post at most once per Idempotency-Key is `idempotent_posts.py`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from app.application.clock import Clock
from app.application.handlers import CommandService, command_handler
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.domain.errors import NotFound, Unauthorized
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


TITLE_DESCRIPTION = f"1 to {TITLE_MAX} characters"
BODY_DESCRIPTION = f"1 to {BODY_MAX:,} characters"
TAGS_DESCRIPTION = (
    f"up to {TAGS_MAX} distinct tags of 1 to {TAG_MAX} characters (a-z, 0-9, -); "
    "a repeated tag counts once"
)


class PostCommand(BaseModel):
    """The full content of a post, as written on create and on replace."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "title": "Keyset paging on MariaDB",
                    "body": "Why OFFSET slows down with depth, and what a cursor does instead.",
                    "tags": ["databases", "performance"],
                }
            ]
        },
    )

    title: Title = Field(description=TITLE_DESCRIPTION)
    body: Body = Field(description=BODY_DESCRIPTION)
    tags: Tags = Field(default_factory=list, description=TAGS_DESCRIPTION)


def _not_shown(schema: dict[str, Any]) -> None:
    """An absent field keeps its value: the placeholder default is no default to show."""
    schema.pop("default", None)


class PostPatch(BaseModel):
    """Some of a post's fields; the others keep their value. None of them may be null."""

    # Plain types, no `| None`: an invalid value gets one error at its own location (a
    # union would add one per member, named after pydantic's internals). Which fields
    # were given is `model_fields_set`.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"minProperties": 1, "examples": [{"title": "Keyset paging, revisited"}]},
    )

    title: Title = Field(default="", description=TITLE_DESCRIPTION, json_schema_extra=_not_shown)
    body: Body = Field(default="", description=BODY_DESCRIPTION, json_schema_extra=_not_shown)
    tags: Tags = Field(
        default_factory=list, description=TAGS_DESCRIPTION, json_schema_extra=_not_shown
    )

    @model_validator(mode="before")
    @classmethod
    def _no_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None and name in cls.model_fields:
                    raise ValueError(f"{name} cannot be null")
        return data

    @model_validator(mode="after")
    def _at_least_one_field(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one of title, body, tags")
        return self

    def given(self, name: str) -> bool:
        return name in self.model_fields_set


class PostCommandService(CommandService):
    def __init__(self, write_uow: WriteUnitOfWorkFactory, clock: Clock) -> None:
        super().__init__(write_uow)
        self._clock = clock

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
            title=patch.title if patch.given("title") else None,
            body=patch.body if patch.given("body") else None,
            tags=list(patch.tags) if patch.given("tags") else None,
        )

    @command_handler
    async def delete_post(
        self, post_id: str, *, user_id: str, accepted_versions: Collection[int] | None = None
    ) -> None:
        """Delete the post and, in the same transaction, its comments (each one's
        deletion an event of its own, so the commenters' stats follow)."""
        post = await self._get(post_id)
        post.ensure_can_be_changed_by(user_id, accepted_versions)
        now = self._clock()
        comments = await self.uow.comments.of_post(post.id)
        for comment in comments:
            comment.delete(now=now)
        await self.uow.comments.delete(*comments)
        post.delete(now=now)
        await self.uow.posts.delete(post)

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
        previous_version = post.version
        post.edit(now=self._clock(), title=title, body=body, tags=tags)
        await self.uow.posts.update(post, previous_version=previous_version)
        return post

    async def _get(self, post_id: str) -> Post:
        post = await self.uow.posts.get(post_id) if is_well_formed_id(post_id) else None
        if post is None:
            raise NotFound(f"post {post_id} does not exist")
        return post
