"""CommentReader contract: one comment, a post's count, keyset pages oldest first."""

from __future__ import annotations

from datetime import timedelta

from app.application.ports.comments import CommentsPosition, CommentView
from app.application.ports.units_of_work import ReadUnitOfWork
from app.domain.comments import Comment
from app.domain.posts import Post
from tests.contract.builders import T0, a_comment, a_post, a_user, commented, saved
from tests.contract.conftest import Storage


async def _thread(storage: Storage) -> tuple[Post, Post, list[Comment]]:
    """A post with four comments by two authors, and another post with one."""
    ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
    post, other = a_post(ada), a_post(bob, minutes=1)
    await saved(storage.write_uow(), ada, post)
    await saved(storage.write_uow(), bob, other)
    thread = [
        a_comment(post, bob, body="first", minutes=1),
        a_comment(post, ada, body="second", minutes=2),
        a_comment(post, bob, body="third", minutes=3),
        a_comment(post, bob, body="fourth", minutes=4),
    ]
    await commented(storage.write_uow(), *reversed(thread), a_comment(other, ada, minutes=2))
    return post, other, thread


async def _all_pages(reader: ReadUnitOfWork, post_id: str, size: int) -> list[CommentView]:
    seen: list[CommentView] = []
    after = None
    while True:
        page = await reader.comments.page(post_id, limit=size, after=after)
        seen.extend(page)
        if len(page) < size:
            return seen
        after = CommentsPosition(created_at=page[-1].created_at, id=page[-1].id)


class TestCommentReader:
    async def test_get_returns_the_view(self, storage: Storage) -> None:
        post, _, thread = await _thread(storage)

        async with storage.read_uow() as reader:
            view = await reader.comments.get(thread[1].id)
            missing = await reader.comments.get("missing")

        assert view == CommentView(
            id=thread[1].id,
            post_id=post.id,
            author_id=thread[1].author_id,
            body="second",
            created_at=thread[1].created_at,
        )
        assert missing is None

    async def test_a_post_counts_only_its_own_comments(self, storage: Storage) -> None:
        post, other, _ = await _thread(storage)

        async with storage.read_uow() as reader:
            counts = [await reader.comments.count(p.id) for p in (post, other)]
            none = await reader.comments.count("00000000-0000-7000-8000-000000000000")

        assert (counts, none) == ([4, 1], 0)

    async def test_a_page_is_oldest_first_and_only_of_the_post(self, storage: Storage) -> None:
        post, _, thread = await _thread(storage)

        async with storage.read_uow() as reader:
            page = await reader.comments.page(post.id, limit=10, after=None)

        assert [view.id for view in page] == [comment.id for comment in thread]

    async def test_pages_cover_every_comment_once(self, storage: Storage) -> None:
        post, _, thread = await _thread(storage)

        async with storage.read_uow() as reader:
            by_one = await _all_pages(reader, post.id, 1)
            by_three = await _all_pages(reader, post.id, 3)

        expected = [comment.id for comment in thread]
        assert [view.id for view in by_one] == expected
        assert [view.id for view in by_three] == expected

    async def test_equal_timestamps_are_ordered_by_id(self, storage: Storage) -> None:
        author = a_user()
        post = a_post(author)
        await saved(storage.write_uow(), author, post)
        twins = [a_comment(post, author, body=f"twin {n}", minutes=5) for n in range(4)]
        await commented(storage.write_uow(), *twins)

        async with storage.read_uow() as reader:
            seen = await _all_pages(reader, post.id, 1)

        assert [view.id for view in seen] == sorted(comment.id for comment in twins)

    async def test_a_comment_added_behind_the_cursor_is_not_repeated(
        self, storage: Storage
    ) -> None:
        post, _, thread = await _thread(storage)
        async with storage.read_uow() as reader:
            first = await reader.comments.page(post.id, limit=2, after=None)
        late = Comment.create(
            post_id=post.id, author_id=post.author_id, body="late", now=T0 + timedelta(minutes=9)
        )
        await commented(storage.write_uow(), late)

        after = CommentsPosition(created_at=first[-1].created_at, id=first[-1].id)
        async with storage.read_uow() as reader:
            rest = await reader.comments.page(post.id, limit=10, after=after)

        assert [view.id for view in first + rest] == [c.id for c in [*thread, late]]
