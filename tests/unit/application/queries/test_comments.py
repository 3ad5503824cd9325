"""CommentQueryService: one comment, and a post's comments oldest first in keyset pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from app.application.queries.comments import CommentQueryService, CommentsQuery
from app.domain.comments import Comment
from app.domain.errors import NotFound
from app.domain.posts import Post
from tests.fakes.clock import T0
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeReadUnitOfWork

MISSING = "00000000-0000-7000-8000-000000000000"


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase.with_users("ada", "bob")


@pytest.fixture
def post(database: FakeDatabase) -> Post:
    return database.add_post("ada", now=T0)


@pytest.fixture
def queries(database: FakeDatabase) -> CommentQueryService:
    return CommentQueryService(read_uow=lambda: FakeReadUnitOfWork(database))


def store(database: FakeDatabase, post: Post, count: int, *, same_time: bool = False) -> None:
    for i in range(count):
        when = T0 if same_time else T0 + timedelta(seconds=i)
        comment = Comment.create(post_id=post.id, author_id="bob", body=f"c{i}", now=when)
        database.tables.comments[comment.id] = comment


async def all_pages(queries: CommentQueryService, post_id: str, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        result = await queries.get_comments(post_id, CommentsQuery(limit=limit, cursor=cursor))
        pages.append([item.id for item in result.items])
        cursor = result.next_cursor
        if cursor is None:
            return pages


class TestGetComment:
    async def test_a_stored_comment_is_returned(
        self, queries: CommentQueryService, database: FakeDatabase, post: Post
    ) -> None:
        store(database, post, 1)
        (comment,) = database.tables.comments.values()

        view = await queries.get_comment(post.id, comment.id)

        assert (view.id, view.post_id, view.author_id, view.body) == (
            comment.id,
            post.id,
            "bob",
            "c0",
        )

    @pytest.mark.parametrize("comment_id", [MISSING, "not-an-id"])
    async def test_a_missing_comment_is_not_found(
        self, queries: CommentQueryService, post: Post, comment_id: str
    ) -> None:
        with pytest.raises(NotFound):
            await queries.get_comment(post.id, comment_id)

    async def test_a_comment_asked_for_under_another_post_is_not_found(
        self, queries: CommentQueryService, database: FakeDatabase, post: Post
    ) -> None:
        store(database, post, 1)
        (comment,) = database.tables.comments.values()

        with pytest.raises(NotFound):
            await queries.get_comment(MISSING, comment.id)


class TestGetComments:
    @pytest.mark.parametrize("same_time", [False, True])
    async def test_paging_visits_every_comment_once_oldest_first(
        self, queries: CommentQueryService, database: FakeDatabase, post: Post, same_time: bool
    ) -> None:
        store(database, post, 7, same_time=same_time)
        expected = [
            comment.id
            for comment in sorted(
                database.tables.comments.values(), key=lambda c: (c.created_at, c.id)
            )
        ]

        pages = await all_pages(queries, post.id, limit=3)

        assert pages == [expected[0:3], expected[3:6], expected[6:7]]

    async def test_the_total_counts_every_page_and_the_last_page_has_no_cursor(
        self, queries: CommentQueryService, database: FakeDatabase, post: Post
    ) -> None:
        store(database, post, 3)

        result = await queries.get_comments(post.id, CommentsQuery(limit=3))

        assert (result.total, len(result.items), result.next_cursor) == (3, 3, None)

    async def test_a_post_without_comments_has_an_empty_page(
        self, queries: CommentQueryService, post: Post
    ) -> None:
        result = await queries.get_comments(post.id, CommentsQuery())

        assert (result.total, result.items, result.next_cursor) == (0, [], None)

    @pytest.mark.parametrize("post_id", [MISSING, "not-an-id"])
    async def test_the_comments_of_a_missing_post_are_not_found(
        self, queries: CommentQueryService, post_id: str
    ) -> None:
        with pytest.raises(NotFound):
            await queries.get_comments(post_id, CommentsQuery())

    async def test_comments_of_other_posts_are_not_listed(
        self, queries: CommentQueryService, database: FakeDatabase, post: Post
    ) -> None:
        other = Post.create(title="O", body="B", tags=[], author_id="bob", now=T0)
        database.tables.posts[other.id] = other
        store(database, other, 2)

        result = await queries.get_comments(post.id, CommentsQuery())

        assert (result.total, result.items) == (0, [])


class TestCommentsQuery:
    @pytest.mark.parametrize(
        "params",
        [{"limit": 0}, {"limit": 101}, {"cursor": "not-a-cursor"}, {"order": "desc"}],
    )
    def test_bad_parameters_are_refused(self, params: dict[str, object]) -> None:
        with pytest.raises(ValidationError):
            CommentsQuery.model_validate(params)

    def test_the_default_page_holds_twenty(self) -> None:
        assert CommentsQuery().limit == 20
