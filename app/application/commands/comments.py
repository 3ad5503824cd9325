"""Comment commands: anyone signed in comments on a post; its author or the post's
author deletes it. Deleting a post deletes its comments (`PostCommandService`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.application.clock import Clock
from app.application.handlers import CommandService, command_handler
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.domain.comments import BODY_MAX, Comment
from app.domain.errors import NotFound
from app.domain.identity import is_well_formed_id


class CommentCommand(BaseModel):
    """What a reader writes under a post."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"body": "The OR form made the difference for us too."}]},
    )

    body: Annotated[str, StringConstraints(min_length=1, max_length=BODY_MAX)] = Field(
        description=f"1 to {BODY_MAX:,} characters"
    )


class CommentCommandService(CommandService):
    def __init__(self, write_uow: WriteUnitOfWorkFactory, clock: Clock) -> None:
        super().__init__(write_uow)
        self._clock = clock

    @command_handler
    async def create_comment(
        self, post_id: str, command: CommentCommand, *, author_id: str
    ) -> Comment:
        if not is_well_formed_id(post_id):
            raise NotFound(f"post {post_id} does not exist")
        comment = Comment.create(
            post_id=post_id, author_id=author_id, body=command.body, now=self._clock()
        )
        await self.uow.comments.add(comment)  # checks the post and the author
        return comment

    @command_handler
    async def delete_comment(self, post_id: str, comment_id: str, *, user_id: str) -> None:
        post = await self.uow.posts.get(post_id) if is_well_formed_id(post_id) else None
        if post is None:
            raise NotFound(f"post {post_id} does not exist")
        found = await self.uow.comments.get(comment_id) if is_well_formed_id(comment_id) else None
        if found is None or found.post_id != post.id:
            raise NotFound(f"comment {comment_id} does not exist")
        found.ensure_can_be_deleted_by(user_id, post_author_id=post.author_id)
        found.delete(now=self._clock())
        await self.uow.comments.delete(found)
