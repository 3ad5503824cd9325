"""CommentRepository contract: round trips, the post and author checks, deletes, counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.errors import NotFound, Unauthorized
from tests.contract.builders import a_comment, a_post, a_user, commented, saved
from tests.contract.conftest import Storage


class TestCommentRepository:
    async def test_a_stored_comment_comes_back_whole(self, storage: Storage) -> None:
        author = a_user()
        post = a_post(author)
        await saved(storage.write_uow(), author, post)
        comment = a_comment(post, author, body="Ünïcode ✓ " * 400)
        await commented(storage.write_uow(), comment)

        async with storage.write_uow() as uow:
            found = await uow.comments.get(comment.id)

        assert found == comment
        assert found is not None
        assert found.created_at.utcoffset() == timedelta(0)

    async def test_a_comment_on_a_missing_post_is_refused(self, storage: Storage) -> None:
        author = a_user()
        await saved(storage.write_uow(), author)
        unsaved_post = a_post(author)

        with pytest.raises(NotFound):
            await commented(storage.write_uow(), a_comment(unsaved_post, author))

        async with storage.read_uow() as reader:
            assert await reader.comments.count(unsaved_post.id) == 0

    async def test_a_comment_by_an_unknown_author_is_refused(self, storage: Storage) -> None:
        author, ghost = a_user("ada@example.com"), a_user("ghost@example.com")
        post = a_post(author)
        await saved(storage.write_uow(), author, post)

        with pytest.raises(Unauthorized):
            await commented(storage.write_uow(), a_comment(post, ghost))

        async with storage.read_uow() as reader:
            assert await reader.comments.count(post.id) == 0

    async def test_a_missing_comment_is_none(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            assert await uow.comments.get("00000000-0000-7000-8000-000000000000") is None

    async def test_the_comments_of_a_post_come_oldest_first(self, storage: Storage) -> None:
        author = a_user()
        post, other = a_post(author), a_post(author, minutes=1)
        await saved(storage.write_uow(), author, post, other)
        newer, older = a_comment(post, author, minutes=5), a_comment(post, author, minutes=1)
        await commented(storage.write_uow(), newer, older, a_comment(other, author))

        async with storage.write_uow() as uow:
            found = await uow.comments.of_post(post.id)

        assert [comment.id for comment in found] == [older.id, newer.id]

    async def test_deleted_comments_are_gone_and_the_others_stay(self, storage: Storage) -> None:
        author = a_user()
        post = a_post(author)
        await saved(storage.write_uow(), author, post)
        comments = [a_comment(post, author, minutes=n) for n in range(3)]
        await commented(storage.write_uow(), *comments)

        async with storage.write_uow() as uow:
            await uow.comments.delete(comments[0], comments[2])
            await uow.comments.delete()
            await uow.commit()

        async with storage.write_uow() as uow:
            remaining = await uow.comments.of_post(post.id)
        assert [comment.id for comment in remaining] == [comments[1].id]

    async def test_a_post_whose_comments_are_deleted_can_be_deleted(self, storage: Storage) -> None:
        author = a_user()
        post = a_post(author)
        await saved(storage.write_uow(), author, post)
        await commented(storage.write_uow(), a_comment(post, author))

        async with storage.write_uow() as uow:
            await uow.comments.delete(*await uow.comments.of_post(post.id))
            await uow.posts.delete(post)
            await uow.commit()

        async with storage.read_uow() as reader:
            assert await reader.posts.get(post.id) is None
            assert await reader.comments.count(post.id) == 0

    async def test_an_authors_count_follows_adds_and_deletes(self, storage: Storage) -> None:
        ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
        post = a_post(ada)
        await saved(storage.write_uow(), ada, post)
        await saved(storage.write_uow(), bob)
        mine = [a_comment(post, bob, minutes=n) for n in range(3)]
        await commented(storage.write_uow(), *mine, a_comment(post, ada))

        async with storage.write_uow() as uow:
            await uow.comments.delete(mine[0])
            counts = (
                await uow.comments.author_count(bob.id),
                await uow.comments.author_count(ada.id),
            )
            await uow.commit()

        assert counts == (2, 1)

    async def test_a_rolled_back_add_leaves_nothing(self, storage: Storage) -> None:
        author = a_user()
        post = a_post(author)
        await saved(storage.write_uow(), author, post)

        async with storage.write_uow() as uow:
            await uow.comments.add(a_comment(post, author))

        async with storage.read_uow() as reader:
            assert await reader.comments.count(post.id) == 0
