"""CommentQueryService under @cached: with one cache shared by queries and commands, no
list or comment is stale after a write, including the post's deletion."""

from __future__ import annotations

import pytest

from app.application.caching import CacheKeys, ResultCache
from app.application.commands.comments import CommentCommand, CommentCommandService
from app.application.commands.posts import PostCommandService
from app.application.queries.comments import CommentQueryService, CommentsQuery
from app.application.write_unit_of_work import CommitEffects
from app.domain.errors import NotFound
from app.domain.posts import Post
from app.infra.cache.memory import MemoryCache
from tests.fakes.clock import T0, FakeClock, Ticking
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeReadUnitOfWork, FakeWriteUnitOfWork


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase.with_users("ada", "bob")


@pytest.fixture
def post(database: FakeDatabase) -> Post:
    return database.add_post("ada", now=T0)


@pytest.fixture
def results() -> ResultCache:
    return ResultCache(MemoryCache(max_entries=100, clock=Ticking()), CacheKeys("test"))


@pytest.fixture
def cached_queries(database: FakeDatabase, results: ResultCache) -> CommentQueryService:
    return CommentQueryService(lambda: FakeReadUnitOfWork(database), result_cache=results)


@pytest.fixture
def effects(results: ResultCache) -> CommitEffects:
    return CommitEffects(results, None)


@pytest.fixture
def comments(database: FakeDatabase, effects: CommitEffects) -> CommentCommandService:
    return CommentCommandService(
        lambda: FakeWriteUnitOfWork(database, effects=effects), clock=FakeClock()
    )


@pytest.fixture
def posts(database: FakeDatabase, effects: CommitEffects) -> PostCommandService:
    return PostCommandService(
        lambda: FakeWriteUnitOfWork(database, effects=effects), clock=FakeClock()
    )


class TestCachedComments:
    async def test_a_repeated_read_is_served_from_the_cache(
        self, cached_queries: CommentQueryService, database: FakeDatabase, post: Post
    ) -> None:
        await cached_queries.get_comments(post.id, CommentsQuery())
        reads = database.reads

        await cached_queries.get_comments(post.id, CommentsQuery())

        assert database.reads == reads

    async def test_creating_and_deleting_a_comment_refresh_the_list_and_the_comment(
        self, cached_queries: CommentQueryService, comments: CommentCommandService, post: Post
    ) -> None:
        assert (await cached_queries.get_comments(post.id, CommentsQuery())).total == 0
        comment = await comments.create_comment(post.id, CommentCommand(body="Hi"), author_id="bob")
        assert (await cached_queries.get_comments(post.id, CommentsQuery())).total == 1
        assert (await cached_queries.get_comment(post.id, comment.id)).body == "Hi"

        await comments.delete_comment(post.id, comment.id, user_id="bob")

        assert (await cached_queries.get_comments(post.id, CommentsQuery())).total == 0
        with pytest.raises(NotFound):
            await cached_queries.get_comment(post.id, comment.id)

    async def test_deleting_a_post_without_comments_makes_its_list_not_found(
        self, cached_queries: CommentQueryService, posts: PostCommandService, post: Post
    ) -> None:
        await cached_queries.get_comments(post.id, CommentsQuery())

        await posts.delete_post(post.id, user_id="ada")

        with pytest.raises(NotFound):
            await cached_queries.get_comments(post.id, CommentsQuery())

    async def test_deleting_a_post_makes_its_comments_not_found(
        self,
        cached_queries: CommentQueryService,
        comments: CommentCommandService,
        posts: PostCommandService,
        post: Post,
    ) -> None:
        comment = await comments.create_comment(post.id, CommentCommand(body="Hi"), author_id="bob")
        await cached_queries.get_comment(post.id, comment.id)

        await posts.delete_post(post.id, user_id="ada")

        with pytest.raises(NotFound):
            await cached_queries.get_comment(post.id, comment.id)
