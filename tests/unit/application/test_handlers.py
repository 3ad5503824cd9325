"""@command_handler and @query_handler: one unit of work per outermost handler."""

from __future__ import annotations

import pytest

from app.application.caching import ResultCache, cached
from app.application.handlers import CommandService, QueryService, command_handler, query_handler
from app.application.ports.units_of_work import ReadUnitOfWork, WriteUnitOfWork
from app.domain.posts import Post
from tests.fakes.clock import T0
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeReadUnitOfWork, FakeWriteUnitOfWork


class Boom(Exception):
    pass


def a_post(title: str = "Title") -> Post:
    return Post.create(title=title, body="Body", tags=[], author_id="ada", now=T0)


class Posts(CommandService):
    """A test-only command service: handlers that write, nest and fail."""

    def __init__(self, database: FakeDatabase) -> None:
        self.opened = 0
        self.commits_seen_inside: list[int] = []
        self._database = database
        super().__init__(self._open)

    def _open(self) -> WriteUnitOfWork:
        self.opened += 1
        return FakeWriteUnitOfWork(self._database, effects=NO_EFFECTS)

    @command_handler
    async def add(self, post: Post) -> str:
        await self.uow.posts.add(post)
        self.commits_seen_inside.append(self._database.commits)
        return post.id

    @command_handler
    async def add_then_fail(self, post: Post) -> None:
        await self.uow.posts.add(post)
        raise Boom

    @command_handler
    async def add_both(self, first: Post, second: Post, *, via: Posts) -> None:
        await self.add(first)
        await via.add(second)


class Reads(QueryService):
    def __init__(self, database: FakeDatabase) -> None:
        super().__init__(lambda: FakeReadUnitOfWork(database))

    @query_handler
    async def scope(self) -> ReadUnitOfWork:
        return self.uow

    @query_handler
    async def scopes_twice(self) -> tuple[ReadUnitOfWork, ReadUnitOfWork]:
        return await self.scope(), await self.scope()

    @query_handler
    async def fail(self) -> None:
        raise Boom


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase.with_users("ada")


@pytest.fixture
def posts(database: FakeDatabase) -> Posts:
    return Posts(database)


class TestCommandHandler:
    async def test_handler_commits_exactly_once(self, posts: Posts, database: FakeDatabase) -> None:
        post_id = await posts.add(a_post())

        assert database.commits == 1
        assert post_id in database.tables.posts

    async def test_exception_rolls_back_and_commits_nothing(
        self, posts: Posts, database: FakeDatabase
    ) -> None:
        with pytest.raises(Boom):
            await posts.add_then_fail(a_post())

        assert database.commits == 0
        assert database.rollbacks == 1
        assert database.tables.posts == {}

    async def test_nested_handler_joins_the_outer_scope_and_commits_once_at_the_end(
        self, posts: Posts, database: FakeDatabase
    ) -> None:
        first, second = a_post("first"), a_post("second")

        await posts.add_both(first, second, via=posts)

        assert database.commits == 1
        assert posts.commits_seen_inside == [0, 0]
        assert set(database.tables.posts) == {first.id, second.id}

    async def test_handler_of_another_service_shares_the_open_scope(
        self, posts: Posts, database: FakeDatabase
    ) -> None:
        other = Posts(database)

        await posts.add_both(a_post(), a_post(), via=other)

        assert (posts.opened, other.opened) == (1, 0)
        assert database.commits == 1

    async def test_failure_after_a_nested_handler_rolls_back_its_writes_too(
        self, posts: Posts, database: FakeDatabase
    ) -> None:
        class FailsAfterAdding(Posts):
            @command_handler
            async def add_then_fail_outer(self, post: Post) -> None:
                await self.add(post)
                raise Boom

        service = FailsAfterAdding(database)

        with pytest.raises(Boom):
            await service.add_then_fail_outer(a_post())

        assert database.commits == 0
        assert database.tables.posts == {}

    def test_uow_outside_a_handler_raises(self, posts: Posts) -> None:
        with pytest.raises(RuntimeError, match="@command_handler"):
            _ = posts.uow

    async def test_scope_is_cleared_after_an_exception(
        self, posts: Posts, database: FakeDatabase
    ) -> None:
        with pytest.raises(Boom):
            await posts.add_then_fail(a_post())

        with pytest.raises(RuntimeError):
            _ = posts.uow
        await posts.add(a_post())
        assert posts.opened == 2
        assert database.commits == 1

    async def test_the_methods_arguments_reach_it_and_its_result_comes_back(
        self, database: FakeDatabase
    ) -> None:
        class Titles(CommandService):
            @command_handler
            async def retitle(self, post_id: str, title: str, *, reason: str) -> str:
                return f"{post_id}: {title} ({reason})"

        service = Titles(lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS))

        assert await service.retitle("p1", "New", reason="typo") == "p1: New (typo)"
        assert database.commits == 1

    def test_the_handler_keeps_the_methods_name_and_docstring(self) -> None:
        class Titles(CommandService):
            @command_handler
            async def retitle(self, title: str) -> str:
                """Give the post a new title."""
                return title

        assert Titles.retitle.__name__ == "retitle"
        assert Titles.retitle.__qualname__.endswith("Titles.retitle")
        assert Titles.retitle.__doc__ == "Give the post a new title."

    async def test_sequential_handlers_each_open_and_commit_their_own_scope(
        self, posts: Posts, database: FakeDatabase
    ) -> None:
        await posts.add(a_post())
        await posts.add(a_post())

        assert posts.opened == 2
        assert database.commits == 2


class TestQueryHandler:
    async def test_handler_opens_one_read_scope(self, database: FakeDatabase) -> None:
        await Reads(database).scope()

        assert database.read_scopes_opened == 1

    async def test_nested_query_handlers_share_one_read_scope(self, database: FakeDatabase) -> None:
        first, second = await Reads(database).scopes_twice()

        assert first is second
        assert database.read_scopes_opened == 1

    async def test_uow_outside_a_handler_raises(self, database: FakeDatabase) -> None:
        reads = Reads(database)
        await reads.scope()

        with pytest.raises(RuntimeError, match="@query_handler"):
            _ = reads.uow

    async def test_scope_is_cleared_after_an_exception(self, database: FakeDatabase) -> None:
        reads = Reads(database)

        with pytest.raises(Boom):
            await reads.fail()

        with pytest.raises(RuntimeError):
            _ = reads.uow
        await reads.scope()
        assert database.read_scopes_opened == 2

    async def test_read_scope_is_closed_when_the_handler_returns(
        self, database: FakeDatabase
    ) -> None:
        scope = await Reads(database).scope()

        with pytest.raises(RuntimeError, match="not open"):
            _ = scope.posts

    async def test_the_methods_arguments_reach_it_and_its_result_comes_back(
        self, database: FakeDatabase
    ) -> None:
        class Search(QueryService):
            @query_handler
            async def find(self, text: str, limit: int, *, newest_first: bool) -> str:
                return f"{text} x{limit} newest first: {newest_first}"

        service = Search(lambda: FakeReadUnitOfWork(database))

        assert await service.find("cats", 3, newest_first=True) == "cats x3 newest first: True"

    async def test_a_nested_query_receives_its_arguments_too(self, database: FakeDatabase) -> None:
        class Search(QueryService):
            @query_handler
            async def find(self, text: str, *, limit: int) -> str:
                return f"{text} x{limit}"

            @query_handler
            async def find_twice(self, text: str) -> list[str]:
                return [await self.find(text, limit=1), await self.find(text, limit=2)]

        service = Search(lambda: FakeReadUnitOfWork(database))

        assert await service.find_twice("cats") == ["cats x1", "cats x2"]
        assert database.read_scopes_opened == 1

    def test_the_handler_keeps_the_methods_name_and_docstring(self) -> None:
        class Search(QueryService):
            @query_handler
            async def find(self, text: str) -> str:
                """Posts whose title contains the text."""
                return text

        assert Search.find.__name__ == "find"
        assert Search.find.__qualname__.endswith("Search.find")
        assert Search.find.__doc__ == "Posts whose title contains the text."


class TestQueryService:
    def test_a_class_caching_in_stores_it_does_not_declare_is_told_of_each(self) -> None:
        with pytest.raises(
            TypeError,
            match=r"Misspelt\.count caches in 'cuont_cache'; .*Misspelt\.total caches in "
            r"'totla_cache', an attribute the class does not declare$",
        ):

            class Misspelt(QueryService):
                @query_handler
                @cached(ttl=5, store="cuont_cache")
                async def count(self) -> int:
                    return 0

                @query_handler
                @cached(ttl=5, store="totla_cache")
                async def total(self) -> int:
                    return 0

    def test_a_class_caching_in_a_store_it_declares_is_accepted(self) -> None:
        class Counts(QueryService):
            count_cache: ResultCache | None

            @query_handler
            @cached(ttl=5, store="count_cache")
            async def count(self) -> int:
                return 0

        assert Counts.count.__name__ == "count"
