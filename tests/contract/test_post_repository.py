"""PostRepository contract: round trips, optimistic versions, deletes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.application.ports.readers import PostsFilter
from app.domain.errors import NotFound, PreconditionFailed
from tests.contract.builders import T0, a_post, a_user, saved
from tests.contract.conftest import Storage


class TestPostRepository:
    async def test_a_post_by_an_unknown_author_is_refused(self, storage: Storage) -> None:
        ghost = a_user("ghost@example.com")
        await saved(storage.write_uow(), a_user("ada@example.com"))

        with pytest.raises(NotFound):
            async with storage.write_uow() as uow:
                await uow.posts.add(a_post(ghost, tags=["python"]))
                await uow.commit()

        async with storage.read_uow() as reader:
            assert await reader.posts.count(PostsFilter()) == 0
            assert await reader.posts.count(PostsFilter(tag="python")) == 0

    async def test_a_stored_post_comes_back_whole(self, storage: Storage) -> None:
        author = a_user()
        post = a_post(author, tags=["zeta", "alpha", "mid-1"])
        await saved(storage.write_uow(), author, post)

        async with storage.write_uow() as uow:
            found = await uow.posts.get(post.id)
        assert found == post
        assert found is not None
        assert found.tags == ["zeta", "alpha", "mid-1"]
        assert found.created_at.utcoffset() == timedelta(0)

    async def test_an_update_from_the_current_version_is_stored(self, storage: Storage) -> None:
        author = a_user()
        post = a_post(author, tags=["old"])
        await saved(storage.write_uow(), author, post)

        async with storage.write_uow() as uow:
            loaded = await uow.posts.get(post.id)
            assert loaded is not None
            loaded.edit(now=T0 + timedelta(hours=1), title="New", tags=["new"])
            await uow.posts.update(loaded, previous_version=1)
            await uow.commit()

        async with storage.read_uow() as reader:
            view = await reader.posts.get(post.id)
            old_tag = await reader.posts.count(PostsFilter(tag="old"))
            new_tag = await reader.posts.count(PostsFilter(tag="new"))
        assert view is not None
        assert (view.title, view.version, view.tags) == ("New", 2, ["new"])
        assert view.updated_at == T0 + timedelta(hours=1)
        assert (old_tag, new_tag) == (0, 1)

    async def test_an_update_from_a_stale_version_is_refused(self, storage: Storage) -> None:
        author = a_user()
        post = a_post(author)
        await saved(storage.write_uow(), author, post)

        with pytest.raises(PreconditionFailed):
            async with storage.write_uow() as uow:
                post.edit(now=T0, title="Lost")
                await uow.posts.update(post, previous_version=7)

        async with storage.read_uow() as reader:
            view = await reader.posts.get(post.id)
        assert view is not None
        assert (view.title, view.version) == ("A title", 1)

    async def test_a_deleted_post_is_gone_with_its_tags(self, storage: Storage) -> None:
        author = a_user()
        post = a_post(author, tags=["gone"])
        await saved(storage.write_uow(), author, post)

        async with storage.write_uow() as uow:
            await uow.posts.delete(post)
            await uow.commit()

        async with storage.write_uow() as uow:
            assert await uow.posts.get(post.id) is None
        async with storage.read_uow() as reader:
            assert await reader.posts.count(PostsFilter(tag="gone")) == 0

    async def test_deleting_a_stale_version_is_refused(self, storage: Storage) -> None:
        author = a_user()
        post = a_post(author)
        await saved(storage.write_uow(), author, post)
        post.version = 5

        with pytest.raises(PreconditionFailed):
            async with storage.write_uow() as uow:
                await uow.posts.delete(post)
