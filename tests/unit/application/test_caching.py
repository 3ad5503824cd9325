"""@cached on query handlers: typed values, keys, expiry, invalidation, single flight."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime

import pytest

from app.application.caching import (
    CacheKeys,
    ResultCache,
    arguments_digest,
    cached,
)
from app.application.commands.posts import PostCommand, PostCommandService
from app.application.consistency import ReadYourWrites, act_as, start_request
from app.application.handlers import QueryService, query_handler
from app.application.ports.readers import PostsFilter, PostView
from app.application.queries.posts import (
    COUNT_TTL_SECONDS,
    PostQueryService,
    PostsQuery,
    PostsResult,
)
from app.application.write_unit_of_work import CommitEffects
from app.domain.users import User
from app.infra.cache.memory import MemoryCache
from tests.fakes.clock import T0, FakeClock, Ticking
from tests.fakes.repositories import FakePostReader
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeReadUnitOfWork, FakeWriteUnitOfWork


@pytest.fixture
def ticking() -> Ticking:
    return Ticking()


@pytest.fixture
def results(ticking: Ticking) -> ResultCache:
    return ResultCache(MemoryCache(max_entries=1000, clock=ticking), CacheKeys("test"))


@pytest.fixture
def database() -> FakeDatabase:
    database = FakeDatabase()
    author = User(id="ada", email="ada@x.io", display_name="Ada", password_hash="h", created_at=T0)
    database.tables.users[author.id] = author
    return database


@pytest.fixture
def queries(database: FakeDatabase, results: ResultCache) -> PostQueryService:
    return PostQueryService(lambda: FakeReadUnitOfWork(database), result_cache=results)


@pytest.fixture
def commands(database: FakeDatabase, results: ResultCache) -> PostCommandService:
    effects = CommitEffects(results, None)
    return PostCommandService(
        lambda: FakeWriteUnitOfWork(database, effects=effects), clock=FakeClock()
    )


async def _post(
    commands: PostCommandService, title: str = "T", tags: list[str] | None = None
) -> str:
    post = await commands.create_post(
        PostCommand(title=title, body="B", tags=tags or []), author_id="ada"
    )
    return post.id


class TestCachedValues:
    async def test_a_hit_returns_the_same_types_without_reading(
        self, queries: PostQueryService, commands: PostCommandService, database: FakeDatabase
    ) -> None:
        await _post(commands, tags=["a"])
        first = await queries.get_posts(PostsQuery())
        reads = database.reads

        second = await queries.get_posts(PostsQuery())

        assert database.reads == reads
        assert second == first
        assert isinstance(second, PostsResult)
        assert isinstance(second.items[0], PostView)
        assert isinstance(second.items[0].created_at, datetime)
        assert second.items[0].created_at.utcoffset() is not None

    async def test_different_arguments_are_different_entries(
        self, queries: PostQueryService, commands: PostCommandService, database: FakeDatabase
    ) -> None:
        first, second = await _post(commands, "one"), await _post(commands, "two")

        views = [await queries.get_post(first), await queries.get_post(second)]
        pages = [
            await queries.get_posts(PostsQuery(limit=1)),
            await queries.get_posts(PostsQuery(limit=2)),
        ]
        reads = database.reads
        again = [await queries.get_post(first), await queries.get_posts(PostsQuery(limit=1))]

        assert [view.title for view in views] == ["one", "two"]
        assert [len(page.items) for page in pages] == [1, 2]
        assert again == [views[0], pages[0]]
        assert database.reads == reads

    async def test_an_entry_expires_after_its_ttl(
        self,
        queries: PostQueryService,
        commands: PostCommandService,
        database: FakeDatabase,
        ticking: Ticking,
    ) -> None:
        post_id = await _post(commands)
        await queries.get_post(post_id)
        reads = database.reads

        ticking.now += 30 * 1.2
        await queries.get_post(post_id)

        assert database.reads == reads + 1


class TestInvalidation:
    async def test_a_committed_write_makes_the_lists_and_the_post_recompute(
        self, queries: PostQueryService, commands: PostCommandService
    ) -> None:
        post_id = await _post(commands, "before", tags=["x"])
        await queries.get_post(post_id)
        await queries.get_posts(PostsQuery(tag="x"))

        await commands.update_post(post_id, PostCommand(title="after", body="B"), user_id="ada")

        assert (await queries.get_post(post_id)).title == "after"
        assert (await queries.get_posts(PostsQuery(tag="x"))).total == 0

    async def test_a_rolled_back_command_invalidates_nothing(
        self, queries: PostQueryService, commands: PostCommandService, database: FakeDatabase
    ) -> None:
        post_id = await _post(commands)
        await queries.get_post(post_id)
        reads = database.reads

        with pytest.raises(Exception):  # noqa: B017, PT011
            await commands.update_post(
                post_id, PostCommand(title="x", body="B"), user_id="ada", accepted_versions={9}
            )
        await queries.get_post(post_id)

        assert database.reads == reads

    async def test_keys_are_the_same_for_equal_arguments(self) -> None:
        assert arguments_digest((PostsQuery(limit=5),), {}) == arguments_digest(
            (PostsQuery(limit=5),), {}
        )
        assert arguments_digest((PostsQuery(limit=5),), {}) != arguments_digest(
            (PostsQuery(limit=6),), {}
        )
        assert arguments_digest(("a",), {}) != arguments_digest((), {"post_id": "a"})

    def test_plain_string_arguments_keep_the_canonical_digest(self) -> None:
        expected = hashlib.sha256(b'[["a\\"b","c"],{}]').hexdigest()[:32]

        assert arguments_digest(('a"b', "c"), {}) == expected
        assert arguments_digest(("a", "b"), {}) != arguments_digest(("a,b",), {})
        assert arguments_digest(("1",), {}) != arguments_digest((1,), {})


class Slow(QueryService):
    def __init__(self, results: ResultCache, gate: asyncio.Event) -> None:
        super().__init__(lambda: FakeReadUnitOfWork(FakeDatabase()), result_cache=results)
        self.calls = 0
        self._gate = gate

    @query_handler
    @cached(ttl=30)
    async def compute(self, n: int) -> list[int]:
        self.calls += 1
        await self._gate.wait()
        return [n, n]


class TestSingleFlight:
    async def test_concurrent_misses_compute_once(self, results: ResultCache) -> None:
        gate = asyncio.Event()
        service = Slow(results, gate)

        waiting = [asyncio.ensure_future(service.compute(7)) for _ in range(10)]
        await asyncio.sleep(0.01)
        gate.set()
        values = await asyncio.gather(*waiting)

        assert service.calls == 1
        assert values == [[7, 7]] * 10

    async def test_waiters_get_a_result_when_the_computing_caller_is_cancelled(
        self, results: ResultCache
    ) -> None:
        gate = asyncio.Event()
        service = Slow(results, gate)
        first = asyncio.ensure_future(service.compute(7))
        await asyncio.sleep(0.01)
        waiting = [asyncio.ensure_future(service.compute(7)) for _ in range(3)]
        await asyncio.sleep(0.01)

        first.cancel()  # its client went away
        await asyncio.sleep(0.01)
        gate.set()
        values = await asyncio.gather(*waiting)

        assert first.cancelled()
        assert values == [[7, 7]] * 3
        assert service.calls == 2  # one of the waiters took over, once


class TestReadYourWrites:
    async def test_the_author_of_a_write_bypasses_the_cache(
        self,
        queries: PostQueryService,
        commands: PostCommandService,
        database: FakeDatabase,
        results: ResultCache,
    ) -> None:
        consistency = ReadYourWrites(results.cache, prefix="test", window_seconds=5)
        post_id = await _post(commands)
        await queries.get_post(post_id)
        await consistency.wrote("ada")
        reads = database.reads

        start_request()
        act_as("ada")
        await consistency.begin_read("ada")
        await queries.get_post(post_id)
        start_request()
        await queries.get_post(post_id)

        assert database.reads == reads + 1


class TestListTotals:
    """A page's `total` comes from the count cache, keyed by the filter alone."""

    @pytest.fixture
    def counts(self, monkeypatch: pytest.MonkeyPatch) -> list[PostsFilter]:
        counted: list[PostsFilter] = []
        real_count = FakePostReader.count

        async def count(reader: FakePostReader, where: PostsFilter) -> int:
            counted.append(where)
            return await real_count(reader, where)

        monkeypatch.setattr(FakePostReader, "count", count)
        return counted

    @pytest.fixture
    def uncached(self, database: FakeDatabase, ticking: Ticking) -> PostQueryService:
        """Result caching off: the totals use a private cache of the process."""
        private = ResultCache(MemoryCache(max_entries=10, clock=ticking), CacheKeys("test"))
        return PostQueryService(lambda: FakeReadUnitOfWork(database), count_cache=private)

    async def test_every_page_of_a_listing_shares_one_count(
        self,
        uncached: PostQueryService,
        commands: PostCommandService,
        counts: list[PostsFilter],
    ) -> None:
        for _ in range(5):
            await _post(commands, tags=["python"])
        first = await uncached.get_posts(PostsQuery(tag="python", limit=2))
        second = await uncached.get_posts(
            PostsQuery(tag="python", limit=2, cursor=first.next_cursor)
        )
        other = await uncached.get_posts(PostsQuery(tag="web", limit=2))

        assert (first.total, second.total, other.total) == (5, 5, 0)
        assert [where.tag for where in counts] == ["python", "web"]

    async def test_without_a_shared_cache_a_total_lags_writes_by_its_ttl_at_most(
        self,
        uncached: PostQueryService,
        commands: PostCommandService,
        ticking: Ticking,
    ) -> None:
        await _post(commands)
        assert (await uncached.get_posts(PostsQuery())).total == 1
        await _post(commands)
        assert (await uncached.get_posts(PostsQuery())).total == 1

        ticking.now += COUNT_TTL_SECONDS * 1.1  # past the TTL and its jitter

        assert (await uncached.get_posts(PostsQuery())).total == 2

    async def test_with_the_shared_cache_a_write_recounts_at_once(
        self,
        database: FakeDatabase,
        results: ResultCache,
        commands: PostCommandService,
        counts: list[PostsFilter],
    ) -> None:
        queries = PostQueryService(
            lambda: FakeReadUnitOfWork(database), result_cache=None, count_cache=results
        )
        await _post(commands, tags=["python"])
        assert (await queries.get_posts(PostsQuery(tag="python"))).total == 1
        assert (await queries.get_posts(PostsQuery(tag="python", limit=5))).total == 1
        await _post(commands, tags=["python"])

        assert (await queries.get_posts(PostsQuery(tag="python"))).total == 2
        assert len(counts) == 2

    async def test_the_author_of_a_write_counts_afresh(
        self,
        uncached: PostQueryService,
        commands: PostCommandService,
        results: ResultCache,
    ) -> None:
        consistency = ReadYourWrites(results.cache, prefix="test", window_seconds=5)
        await _post(commands)
        assert (await uncached.get_posts(PostsQuery())).total == 1
        await _post(commands)
        await consistency.wrote("ada")

        start_request()
        act_as("ada")
        await consistency.begin_read("ada")
        assert (await uncached.get_posts(PostsQuery())).total == 2
        start_request()
        assert (await uncached.get_posts(PostsQuery())).total == 1


class TestStores:
    def test_a_cached_method_naming_an_undeclared_store_fails_when_its_class_is_defined(
        self,
    ) -> None:
        with pytest.raises(TypeError, match="'count_cahce'"):

            class Misspelt(QueryService):
                @query_handler
                @cached(ttl=5, store="count_cahce")
                async def count(self) -> int:
                    return 0

    def test_a_store_declared_on_the_class_is_accepted(self) -> None:
        class Declared(QueryService):
            count_cache: ResultCache | None

            @query_handler
            @cached(ttl=5, store="count_cache")
            async def count(self) -> int:
                return 0

        assert Declared.count.cache_store == "count_cache"  # type: ignore[attr-defined]
