"""Creating a post at most once per Idempotency-Key (API.md), around the plain create.

The key is claimed in a transaction of its own, so a concurrent retry sees it in flight
(Conflict) instead of waiting; the post and the key's response commit together, so a
key is never done without its post, nor a post made twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import timedelta

from pydantic import TypeAdapter

from app.application.clock import Clock
from app.application.commands.posts import PostCommand, PostCommandService
from app.application.handlers import CommandService, command_handler
from app.application.ports.readers import PostView
from app.application.ports.repositories import IdempotencyRecord
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.domain.errors import Conflict, InvalidInput
from app.domain.posts import Post

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


class IdempotentPostCreation(CommandService):
    def __init__(
        self, write_uow: WriteUnitOfWorkFactory, posts: PostCommandService, clock: Clock
    ) -> None:
        super().__init__(write_uow)
        self._posts = posts
        self._clock = clock

    async def create_post(
        self, command: PostCommand, *, author_id: str, idempotency_key: str | None
    ) -> Created:
        """The plain create without a key; with one, `create_post_once`."""
        if idempotency_key is None:
            post = await self._posts.create_post(command, author_id=author_id)
            return Created(post, replayed=False)
        return await self.create_post_once(
            command, author_id=author_id, idempotency_key=idempotency_key
        )

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
        post = await self._posts.create_post(command, author_id=request.user_id)
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
