"""PostCommandService: create, replace, patch and delete, by the author only."""

from __future__ import annotations

import copy

import pytest

from app.application.commands.posts import PostCommand, PostCommandService, PostPatch
from app.domain.errors import Forbidden, NotFound, PreconditionFailed, Unauthorized
from app.domain.posts import Post
from app.domain.users import User
from tests.fakes.clock import T0, FakeClock
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeWriteUnitOfWork

MISSING = "00000000-0000-7000-8000-000000000000"


@pytest.fixture(autouse=True)
def accounts(database: FakeDatabase) -> None:
    """The signed-in users the tests act as, known by short ids."""
    for user_id in ("ada", "bob"):
        database.tables.users[user_id] = User(
            id=user_id,
            email=f"{user_id}@example.com",
            display_name=user_id,
            password_hash="hash",
            created_at=T0,
        )


@pytest.fixture
def posts(database: FakeDatabase, clock: FakeClock) -> PostCommandService:
    return PostCommandService(
        write_uow=lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS), clock=clock
    )


@pytest.fixture
async def existing(posts: PostCommandService, clock: FakeClock) -> Post:
    post = await posts.create_post(
        PostCommand(title="Old", body="Old body", tags=["x"]), author_id="ada"
    )
    clock.advance(60)
    return post


def replacement() -> PostCommand:
    return PostCommand(title="New", body="New body", tags=["y", "z"])


class TestCreatePost:
    async def test_post_is_stored_at_version_one_for_its_author(
        self, posts: PostCommandService, database: FakeDatabase
    ) -> None:
        post = await posts.create_post(
            PostCommand(title="T", body="B", tags=["a", "b", "a"]), author_id="ada"
        )

        stored = database.tables.posts[post.id]
        assert (stored.title, stored.body, stored.tags) == ("T", "B", ["a", "b"])
        assert (stored.author_id, stored.version, stored.created_at) == ("ada", 1, T0)
        assert database.commits == 1

    async def test_an_author_who_no_longer_exists_is_unauthorized(
        self, posts: PostCommandService, database: FakeDatabase
    ) -> None:
        with pytest.raises(Unauthorized):
            await posts.create_post(PostCommand(title="T", body="B"), author_id="ghost")

        assert database.tables.posts == {}


class TestUpdatePost:
    async def test_author_replaces_every_field_and_version_moves_by_one(
        self, posts: PostCommandService, database: FakeDatabase, clock: FakeClock, existing: Post
    ) -> None:
        updated = await posts.update_post(existing.id, replacement(), user_id="ada")

        stored = database.tables.posts[existing.id]
        assert (stored.title, stored.body, stored.tags) == ("New", "New body", ["y", "z"])
        assert stored.version == updated.version == 2
        assert stored.updated_at == clock.now
        assert stored.created_at == T0

    async def test_replacing_without_tags_clears_them(
        self, posts: PostCommandService, database: FakeDatabase, existing: Post
    ) -> None:
        await posts.update_post(existing.id, PostCommand(title="N", body="B"), user_id="ada")

        assert database.tables.posts[existing.id].tags == []

    async def test_matching_if_match_version_is_accepted(
        self, posts: PostCommandService, existing: Post
    ) -> None:
        updated = await posts.update_post(
            existing.id, replacement(), user_id="ada", accepted_versions={1}
        )

        assert updated.version == 2

    async def test_stale_if_match_is_refused_and_nothing_changes(
        self, posts: PostCommandService, database: FakeDatabase, existing: Post
    ) -> None:
        await posts.update_post(existing.id, replacement(), user_id="ada")
        before = copy.deepcopy(database.tables.posts)

        with pytest.raises(PreconditionFailed):
            await posts.update_post(
                existing.id,
                PostCommand(title="Late", body="B"),
                user_id="ada",
                accepted_versions={1},
            )

        assert database.tables.posts == before
        assert database.commits == 2

    async def test_non_author_is_forbidden_and_nothing_changes(
        self, posts: PostCommandService, database: FakeDatabase, existing: Post
    ) -> None:
        with pytest.raises(Forbidden):
            await posts.update_post(existing.id, replacement(), user_id="bob")

        assert database.tables.posts[existing.id] == existing

    async def test_missing_post_is_not_found(self, posts: PostCommandService) -> None:
        with pytest.raises(NotFound):
            await posts.update_post(MISSING, replacement(), user_id="ada")


class TestPatchPost:
    async def test_only_the_given_fields_change(
        self, posts: PostCommandService, database: FakeDatabase, existing: Post
    ) -> None:
        patched = await posts.patch_post(existing.id, PostPatch(body="New body"), user_id="ada")

        stored = database.tables.posts[existing.id]
        assert (stored.title, stored.body, stored.tags) == ("Old", "New body", ["x"])
        assert stored.version == patched.version == 2

    async def test_each_patch_moves_the_version_by_one(
        self, posts: PostCommandService, existing: Post
    ) -> None:
        await posts.patch_post(existing.id, PostPatch(title="A"), user_id="ada")
        patched = await posts.patch_post(existing.id, PostPatch(tags=[]), user_id="ada")

        assert patched.version == 3
        assert (patched.title, patched.tags) == ("A", [])

    async def test_stale_if_match_is_refused_and_nothing_changes(
        self, posts: PostCommandService, database: FakeDatabase, existing: Post
    ) -> None:
        with pytest.raises(PreconditionFailed):
            await posts.patch_post(
                existing.id, PostPatch(title="New"), user_id="ada", accepted_versions={2, 3}
            )

        assert database.tables.posts[existing.id] == existing

    async def test_non_author_is_forbidden(
        self, posts: PostCommandService, database: FakeDatabase, existing: Post
    ) -> None:
        with pytest.raises(Forbidden):
            await posts.patch_post(existing.id, PostPatch(title="New"), user_id="bob")

        assert database.tables.posts[existing.id] == existing

    async def test_missing_post_is_not_found(self, posts: PostCommandService) -> None:
        with pytest.raises(NotFound):
            await posts.patch_post(MISSING, PostPatch(title="New"), user_id="ada")


class TestDeletePost:
    async def test_author_deletes_the_post(
        self, posts: PostCommandService, database: FakeDatabase, existing: Post
    ) -> None:
        await posts.delete_post(existing.id, user_id="ada", accepted_versions={1})

        assert existing.id not in database.tables.posts

    async def test_non_author_is_forbidden_and_the_post_stays(
        self, posts: PostCommandService, database: FakeDatabase, existing: Post
    ) -> None:
        with pytest.raises(Forbidden):
            await posts.delete_post(existing.id, user_id="bob")

        assert existing.id in database.tables.posts

    async def test_stale_if_match_is_refused_and_the_post_stays(
        self, posts: PostCommandService, database: FakeDatabase, existing: Post
    ) -> None:
        await posts.patch_post(existing.id, PostPatch(title="New"), user_id="ada")

        with pytest.raises(PreconditionFailed):
            await posts.delete_post(existing.id, user_id="ada", accepted_versions={1})

        assert existing.id in database.tables.posts

    async def test_missing_post_is_not_found(self, posts: PostCommandService) -> None:
        with pytest.raises(NotFound):
            await posts.delete_post(MISSING, user_id="ada")
