"""The Cache contract, for the memory and the Redis adapters (and the guard around Redis)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.application.ports.cache import Cache
from app.infra.cache.guarded import GuardedCache
from app.infra.cache.memory import MemoryCache
from app.infra.cache.redis import RedisCache

SHORT_TTL = 0.05


@pytest.fixture(params=["memory", "redis", "guarded-redis"])
def cache_kind(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    if request.param == "memory":
        return "memory", None
    url: str = request.getfixturevalue("redis_url")
    return request.param, url


@pytest.fixture
async def cache(cache_kind: tuple[str, str | None]) -> AsyncIterator[Cache]:
    kind, url = cache_kind
    if url is None:
        yield MemoryCache(max_entries=100)
        return
    client = Redis.from_url(url)
    adapter: Cache = RedisCache(client)
    if kind == "guarded-redis":
        adapter = GuardedCache(adapter, timeout_seconds=1, failures_to_open=3, cooldown_seconds=1)
    try:
        yield adapter
    finally:
        await client.aclose()


@pytest.fixture
def key() -> str:
    return f"test:{uuid.uuid4().hex}"


class TestCache:
    async def test_absent_keys_are_none(self, cache: Cache, key: str) -> None:
        assert await cache.get_many([key, key + ":other"]) == [None, None]

    async def test_a_value_comes_back_as_stored(self, cache: Cache, key: str) -> None:
        value = b"\x00binary\nvalue\xff"
        await cache.set(key, value, 10)

        assert await cache.get_many([key + ":absent", key]) == [None, value]

    async def test_a_value_expires(self, cache: Cache, key: str) -> None:
        await cache.set(key, b"short", SHORT_TTL)
        await asyncio.sleep(SHORT_TTL * 3)

        assert await cache.get_many([key]) == [None]

    async def test_counters_start_at_one_and_grow(self, cache: Cache, key: str) -> None:
        await cache.increment_many({key + ":a": 10})
        await cache.increment_many({key + ":a": 10, key + ":b": 10})

        assert await cache.get_many([key + ":a", key + ":b"]) == [b"2", b"1"]

    async def test_each_counter_expires_after_its_own_ttl(self, cache: Cache, key: str) -> None:
        await cache.increment_many({key + ":a": 1, key + ":b": 10})
        await asyncio.sleep(1.3)

        assert await cache.get_many([key + ":a", key + ":b"]) == [None, b"1"]

    async def test_a_counter_can_live_for_part_of_a_second(self, cache: Cache, key: str) -> None:
        await cache.increment_many({key + ":a": 0.2})
        await asyncio.sleep(0.5)

        assert await cache.get_many([key + ":a"]) == [None]

    async def test_empty_calls_do_nothing(self, cache: Cache) -> None:
        await cache.increment_many({})

        assert await cache.get_many([]) == []

    async def test_a_later_set_replaces_the_value(self, cache: Cache, key: str) -> None:
        await cache.set(key, b"first", 10)
        await cache.set(key, b"second", 10)

        assert await cache.get_many([key]) == [b"second"]


class TestMemoryCache:
    async def test_the_least_recently_used_entry_goes_first(self) -> None:
        cache = MemoryCache(max_entries=2)
        await cache.set("a", b"1", 10)
        await cache.set("b", b"2", 10)
        await cache.get_many(["a"])
        await cache.set("c", b"3", 10)

        assert await cache.get_many(["a", "b", "c"]) == [b"1", None, b"3"]
        assert len(cache) == 2
