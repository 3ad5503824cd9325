"""Creating a post with an Idempotency-Key: once per key, the first response on retries."""

from __future__ import annotations

import pytest

from app.application.commands.idempotent_posts import (
    ABANDONED_AFTER,
    KEY_LIFETIME,
    IdempotentPostCreation,
    request_digest,
)
from app.application.commands.posts import PostCommand, PostCommandService
from app.application.ports.repositories import IdempotencyRecord
from app.domain.errors import Conflict, InvalidInput, Unauthorized
from tests.fakes.clock import FakeClock
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeWriteUnitOfWork

HELLO = PostCommand(title="Hello", body="World", tags=["a"])


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase.with_users("ada", "bob")


@pytest.fixture
def posts(database: FakeDatabase, clock: FakeClock) -> IdempotentPostCreation:
    def write_uow() -> FakeWriteUnitOfWork:
        return FakeWriteUnitOfWork(database, effects=NO_EFFECTS)

    plain = PostCommandService(write_uow=write_uow, clock=clock)
    return IdempotentPostCreation(write_uow=write_uow, posts=plain, clock=clock)


def stored_key(
    database: FakeDatabase, clock: FakeClock, *, response: str | None, command: PostCommand = HELLO
) -> None:
    record = IdempotencyRecord(
        user_id="ada",
        key="k",
        request_hash=request_digest(command),
        started_at=clock(),
        response=response,
    )
    database.tables.idempotency_keys["ada\x00k"] = record


class TestIdempotentCreate:
    async def test_a_retry_gets_the_first_post_and_creates_nothing(
        self, posts: IdempotentPostCreation, database: FakeDatabase, clock: FakeClock
    ) -> None:
        first = await posts.create_post_once(HELLO, author_id="ada", idempotency_key="k")
        clock.advance(60)
        again = await posts.create_post_once(
            PostCommand(tags=["a"], body="World", title="Hello"),
            author_id="ada",
            idempotency_key="k",
        )

        assert (first.replayed, again.replayed) == (False, True)
        assert again.post.id == first.post.id
        assert (again.post.title, again.post.version) == ("Hello", 1)
        assert list(database.tables.posts) == [first.post.id]

    async def test_the_same_key_with_another_body_is_refused(
        self, posts: IdempotentPostCreation, database: FakeDatabase
    ) -> None:
        await posts.create_post_once(HELLO, author_id="ada", idempotency_key="k")

        with pytest.raises(InvalidInput):
            await posts.create_post_once(
                PostCommand(title="Other", body="World"), author_id="ada", idempotency_key="k"
            )
        assert len(database.tables.posts) == 1

    async def test_keys_belong_to_their_user(
        self, posts: IdempotentPostCreation, database: FakeDatabase
    ) -> None:
        mine = await posts.create_post_once(HELLO, author_id="ada", idempotency_key="k")
        theirs = await posts.create_post_once(HELLO, author_id="bob", idempotency_key="k")

        assert mine.post.id != theirs.post.id
        assert not theirs.replayed
        assert len(database.tables.posts) == 2

    async def test_a_key_in_flight_is_a_conflict(
        self, posts: IdempotentPostCreation, database: FakeDatabase, clock: FakeClock
    ) -> None:
        stored_key(database, clock, response=None)
        clock.advance(ABANDONED_AFTER.total_seconds() - 1)

        with pytest.raises(Conflict):
            await posts.create_post_once(HELLO, author_id="ada", idempotency_key="k")
        assert database.tables.posts == {}

    async def test_a_key_abandoned_in_flight_is_taken_over(
        self, posts: IdempotentPostCreation, database: FakeDatabase, clock: FakeClock
    ) -> None:
        stored_key(database, clock, response=None)
        clock.advance(ABANDONED_AFTER.total_seconds())

        created = await posts.create_post_once(HELLO, author_id="ada", idempotency_key="k")

        assert not created.replayed
        assert list(database.tables.posts) == [created.post.id]

    async def test_an_expired_key_creates_again(
        self, posts: IdempotentPostCreation, database: FakeDatabase, clock: FakeClock
    ) -> None:
        first = await posts.create_post_once(HELLO, author_id="ada", idempotency_key="k")
        clock.advance(KEY_LIFETIME.total_seconds())

        later = await posts.create_post_once(
            PostCommand(title="New", body="Day"), author_id="ada", idempotency_key="k"
        )

        assert not later.replayed
        assert later.post.id != first.post.id

    async def test_a_failed_create_frees_its_key(
        self, posts: IdempotentPostCreation, database: FakeDatabase
    ) -> None:
        with pytest.raises(Unauthorized):
            await posts.create_post_once(HELLO, author_id="ghost", idempotency_key="k")
        database.tables.users["ghost"] = database.tables.users["ada"]

        created = await posts.create_post_once(HELLO, author_id="ghost", idempotency_key="k")

        assert not created.replayed
        assert database.tables.idempotency_keys["ghost\x00k"].response is not None

    async def test_a_request_whose_key_was_taken_over_creates_nothing(
        self, posts: IdempotentPostCreation, database: FakeDatabase, clock: FakeClock
    ) -> None:
        """A slow first request, given up for dead, must not add a second post."""
        slow = IdempotencyRecord(
            user_id="ada", key="k", request_hash=request_digest(HELLO), started_at=clock()
        )
        assert await posts._claim(slow) is None
        clock.advance(ABANDONED_AFTER.total_seconds())
        retry = await posts.create_post_once(HELLO, author_id="ada", idempotency_key="k")

        with pytest.raises(Conflict):
            await posts._create_remembered(HELLO, slow)
        assert list(database.tables.posts) == [retry.post.id]
