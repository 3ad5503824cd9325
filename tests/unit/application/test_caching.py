"""@cached on query handlers: typed values, keys, expiry, invalidation, single flight."""

from __future__ import annotations

import asyncio
import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from pydantic import BaseModel

from app.application import caching
from app.application.caching import (
    CacheKeys,
    ResultCache,
    arguments_digest,
    cached,
)
from app.application.commands.posts import PostCommand, PostCommandService
from app.application.consistency import ReadYourWrites, act_as, start_request
from app.application.handlers import QueryService, query_handler
from app.application.ports.cache import Cache
from app.application.ports.readers import PostsFilter, PostView
from app.application.queries.posts import (
    COUNT_TTL_SECONDS,
    PostQueryService,
    PostsQuery,
    PostsResult,
)
from app.application.write_unit_of_work import CommitEffects
from app.domain.errors import NotFound
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


@dataclass(frozen=True, slots=True)
class Book:
    title: str
    added: datetime


ODE, SONNET, NOVEL = Book("Ode", T0), Book("Sonnet", T0), Book("Novel", T0)


class Catalogue(QueryService):
    """Books by shelf. Counts the listings it really reads; while `release` is clear,
    a listing it has started reading waits."""

    def __init__(self, results: ResultCache | None, shelves: dict[str, list[Book]]) -> None:
        super().__init__(lambda: FakeReadUnitOfWork(FakeDatabase()), result_cache=results)
        self.shelves = shelves
        self.reads = 0
        self.release = asyncio.Event()
        self.release.set()

    async def titles(self, shelf: str, *, limit: int = 10) -> list[Book]:
        self.reads += 1
        found = self.shelves.get(shelf)
        books = None if found is None else list(found)
        await self.release.wait()
        if books is None:
            raise NotFound(f"no shelf {shelf!r}")
        return books[:limit]


def _cached_catalogue(
    results: ResultCache | None, shelves: dict[str, list[Book]], *, ttl: float = 30
) -> Catalogue:
    """A catalogue whose listings are cached and tagged by shelf.

    The class is defined afresh for each test, so no state of its cached method (the
    value adapter, the computations in flight) carries over from another test.
    """

    class CachedCatalogue(Catalogue):
        @query_handler
        @cached(ttl=ttl, tags=lambda shelf, **_: [f"shelf:{shelf}"])
        async def titles(self, shelf: str, *, limit: int = 10) -> list[Book]:
            return await super().titles(shelf, limit=limit)

    return CachedCatalogue(results, shelves)


async def _commit_touching(results: ResultCache, *tags: str) -> None:
    """What a command that touched the tags does once its commit succeeds."""
    await CommitEffects(results, None).after_commit(tags)


async def _act_as_the_author_of_a_recent_write(cache: Cache) -> None:
    consistency = ReadYourWrites(cache, prefix="test", window_seconds=5)
    await consistency.wrote("ada")
    start_request()
    act_as("ada")
    await consistency.begin_read("ada")


async def _run_ready_tasks() -> None:
    """Let every task that is ready run until it waits (no time passes)."""
    for _ in range(5):
        await asyncio.sleep(0)


class LifetimeRecordingCache(MemoryCache):
    def __init__(self) -> None:
        super().__init__(max_entries=1000, clock=Ticking())
        self.lifetimes: list[float] = []

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        self.lifetimes.append(ttl_seconds)
        await super().set(key, value, ttl_seconds)


class ShelfQuery(BaseModel):
    shelf: str
    added_after: datetime


@dataclass(frozen=True)
class Ratings:
    stars: dict[str, int]


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

    async def test_a_hit_returns_the_declared_return_type(self, results: ResultCache) -> None:
        catalogue = _cached_catalogue(results, {"poetry": [ODE]})
        await catalogue.titles("poetry")

        hit = await catalogue.titles("poetry")

        assert catalogue.reads == 1
        assert hit == [ODE]
        assert isinstance(hit[0], Book)
        assert isinstance(hit[0].added, datetime)

    async def test_keyword_arguments_are_part_of_the_entry(self, results: ResultCache) -> None:
        catalogue = _cached_catalogue(results, {"poetry": [ODE, SONNET]})

        one = await catalogue.titles("poetry", limit=1)
        two = await catalogue.titles("poetry", limit=2)
        again = await catalogue.titles("poetry", limit=1)

        assert (one, two, again) == ([ODE], [ODE, SONNET], [ODE])
        assert catalogue.reads == 2

    async def test_same_named_methods_of_two_services_keep_separate_entries(
        self, results: ResultCache
    ) -> None:
        class Fiction(Catalogue):
            @query_handler
            @cached(ttl=30)
            async def titles(self, shelf: str, *, limit: int = 10) -> list[Book]:
                return await super().titles(shelf, limit=limit)

        class Poetry(Catalogue):
            @query_handler
            @cached(ttl=30)
            async def titles(self, shelf: str, *, limit: int = 10) -> list[Book]:
                return await super().titles(shelf, limit=limit)

        fiction = Fiction(results, {"new": [NOVEL]})
        poetry = Poetry(results, {"new": [ODE]})

        assert await fiction.titles("new") == [NOVEL]
        assert await poetry.titles("new") == [ODE]

    async def test_a_service_without_a_cache_runs_every_call(self) -> None:
        catalogue = _cached_catalogue(None, {"poetry": [ODE, SONNET]})

        first = await catalogue.titles("poetry", limit=1)
        second = await catalogue.titles("poetry", limit=1)

        assert first == second == [ODE]
        assert catalogue.reads == 2

    async def test_lifetimes_spread_over_a_tenth_of_the_ttl_either_side(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(caching, "random", random.Random(2026))
        cache = LifetimeRecordingCache()
        catalogue = _cached_catalogue(ResultCache(cache, CacheKeys("test")), {"poetry": [ODE]})

        for limit in range(1, 201):
            await catalogue.titles("poetry", limit=limit)

        lifetimes = cache.lifetimes
        assert len(lifetimes) == 200
        assert 0.9 * 30 <= min(lifetimes) < 0.95 * 30
        assert 1.05 * 30 < max(lifetimes) <= 1.1 * 30


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

    async def test_a_write_to_a_tag_named_from_keyword_arguments_recomputes(
        self, results: ResultCache
    ) -> None:
        shelves = {"poetry": [ODE]}
        catalogue = _cached_catalogue(results, shelves)
        await catalogue.titles(shelf="poetry")

        shelves["poetry"] = [ODE, SONNET]
        await _commit_touching(results, "shelf:poetry")

        assert await catalogue.titles(shelf="poetry") == [ODE, SONNET]


class TestEntryKeys:
    """Equal arguments give equal keys, different arguments different keys."""

    def test_pydantic_arguments_are_keyed_by_their_json(self) -> None:
        query = ShelfQuery(shelf="poetry", added_after=T0)
        later = ShelfQuery(shelf="poetry", added_after=T0 + timedelta(days=1))

        assert arguments_digest((query,), {}) == arguments_digest(
            (ShelfQuery(shelf="poetry", added_after=T0),), {}
        )
        assert arguments_digest((query,), {}) != arguments_digest((later,), {})

    def test_dataclass_arguments_are_keyed_by_their_fields(self) -> None:
        ratings = Ratings(stars={"ode": 5, "sonnet": 4})
        same = Ratings(stars={"sonnet": 4, "ode": 5})

        assert arguments_digest((ratings,), {}) == arguments_digest((same,), {})
        assert arguments_digest((ratings,), {}) != arguments_digest(
            (Ratings(stars={"ode": 5, "sonnet": 3}),), {}
        )

    def test_sets_are_unordered_and_lists_are_ordered(self) -> None:
        first, second = {1, 9}, {9, 1}
        assert list(first) != list(second)

        assert arguments_digest((first,), {}) == arguments_digest((second,), {})
        assert arguments_digest((frozenset([1, "one"]),), {}) == arguments_digest(
            (frozenset(["one", 1]),), {}
        )
        assert arguments_digest((["a", "b"],), {}) != arguments_digest((["b", "a"],), {})

    def test_keyword_arguments_are_keyed_by_name_and_value_in_any_order(self) -> None:
        assert arguments_digest((), {"shelf": "a", "limit": 1}) == arguments_digest(
            (), {"limit": 1, "shelf": "a"}
        )
        assert arguments_digest((), {"limit": 1}) != arguments_digest((), {"limit": 2})
        assert arguments_digest((), {"limit": 1}) != arguments_digest((), {"count": 1})

    def test_values_of_other_types_are_keyed_by_their_representation(self) -> None:
        assert arguments_digest((UUID(int=1),), {}) == arguments_digest((UUID(int=1),), {})
        assert arguments_digest((UUID(int=1),), {}) != arguments_digest((UUID(int=2),), {})

    def test_none_and_the_word_none_are_different_arguments(self) -> None:
        assert arguments_digest((None,), {}) != arguments_digest(("None",), {})


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

    async def test_a_caller_arriving_after_a_write_does_not_get_the_earlier_result(
        self, results: ResultCache
    ) -> None:
        shelves = {"poetry": [ODE]}
        catalogue = _cached_catalogue(results, shelves)
        catalogue.release.clear()
        before = asyncio.ensure_future(catalogue.titles("poetry"))
        await _run_ready_tasks()

        shelves["poetry"] = [ODE, SONNET]
        await _commit_touching(results, "shelf:poetry")
        after = asyncio.ensure_future(catalogue.titles("poetry"))
        await _run_ready_tasks()
        catalogue.release.set()

        assert await before == [ODE]
        assert await after == [ODE, SONNET]

    async def test_concurrent_misses_of_different_arguments_compute_each(
        self, results: ResultCache
    ) -> None:
        catalogue = _cached_catalogue(results, {"poetry": [ODE], "fiction": [NOVEL]})
        catalogue.release.clear()
        poetry = asyncio.ensure_future(catalogue.titles("poetry"))
        fiction = asyncio.ensure_future(catalogue.titles("fiction"))
        await _run_ready_tasks()
        catalogue.release.set()

        assert await poetry == [ODE]
        assert await fiction == [NOVEL]

    async def test_waiters_get_the_error_of_the_computation_they_share(
        self, results: ResultCache
    ) -> None:
        catalogue = _cached_catalogue(results, {})
        catalogue.release.clear()
        callers = [asyncio.ensure_future(catalogue.titles("lost")) for _ in range(4)]
        await _run_ready_tasks()
        catalogue.release.set()

        outcomes = await asyncio.gather(*callers, return_exceptions=True)

        assert catalogue.reads == 1
        assert all(isinstance(outcome, NotFound) for outcome in outcomes)


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

    async def test_the_author_reads_past_a_cached_entry_with_all_the_arguments(
        self, results: ResultCache
    ) -> None:
        shelves = {"poetry": [ODE]}
        catalogue = _cached_catalogue(results, shelves)
        await catalogue.titles("poetry", limit=1)
        shelves["poetry"] = [SONNET, ODE]

        await _act_as_the_author_of_a_recent_write(results.cache)
        try:
            fresh = await catalogue.titles("poetry", limit=1)
        finally:
            start_request()

        assert fresh == [SONNET]


class TestObservation:
    async def test_the_observer_hears_a_miss_a_hit_and_a_bypass(self, ticking: Ticking) -> None:
        heard: list[str] = []
        results = ResultCache(
            MemoryCache(max_entries=10, clock=ticking), CacheKeys("test"), observe=heard.append
        )
        catalogue = _cached_catalogue(results, {"poetry": [ODE]})
        await catalogue.titles("poetry")
        await catalogue.titles("poetry")

        await _act_as_the_author_of_a_recent_write(results.cache)
        try:
            await catalogue.titles("poetry")
        finally:
            start_request()

        assert heard == ["miss", "hit", "bypass"]


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

    def test_the_refusal_names_the_class_the_method_and_the_store(self) -> None:
        with pytest.raises(TypeError, match=r"Misspelt\.count caches in 'count_cahce'"):

            class Misspelt(QueryService):
                @query_handler
                @cached(ttl=5, store="count_cahce")
                async def count(self) -> int:
                    return 0
