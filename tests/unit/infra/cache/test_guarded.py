"""GuardedCache: failures are misses, a breaker stops calling, invalidations are replayed."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from app.infra.cache.guarded import GuardedCache
from app.infra.cache.memory import MemoryCache


class Flaky:
    """A cache that fails while `down` is set, and counts the calls that reach it."""

    def __init__(self) -> None:
        self.down = False
        self.calls = 0
        self.store = MemoryCache(max_entries=100)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        self._reach()
        return await self.store.get_many(keys)

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        self._reach()
        await self.store.set(key, value, ttl_seconds)

    async def increment_many(self, keys: Sequence[str], ttl_seconds: float) -> None:
        self._reach()
        await self.store.increment_many(keys, ttl_seconds)

    def _reach(self) -> None:
        self.calls += 1
        if self.down:
            raise ConnectionError("connection refused")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def inner() -> Flaky:
    return Flaky()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def guarded(inner: Flaky, clock: Clock) -> GuardedCache:
    return GuardedCache(
        inner, timeout_seconds=1, failures_to_open=3, cooldown_seconds=10, clock=clock
    )


class TestFailOpen:
    async def test_a_failing_cache_reads_as_misses_and_writes_nowhere(
        self, guarded: GuardedCache, inner: Flaky
    ) -> None:
        inner.down = True

        assert await guarded.get_many(["a", "b"]) == [None, None]
        await guarded.set("a", b"1", 10)

    async def test_the_breaker_opens_and_stops_calling(
        self, guarded: GuardedCache, inner: Flaky
    ) -> None:
        inner.down = True
        for _ in range(3):
            await guarded.get_many(["a"])
        calls = inner.calls

        for _ in range(20):
            await guarded.get_many(["a"])

        assert guarded.is_open
        assert inner.calls == calls

    async def test_after_the_cooldown_one_probe_closes_it(
        self, guarded: GuardedCache, inner: Flaky, clock: Clock
    ) -> None:
        inner.down = True
        for _ in range(3):
            await guarded.get_many(["a"])
        inner.down = False
        await inner.store.set("a", b"back", 10)

        clock.now += 11
        value = await guarded.get_many(["a"])

        assert value == [b"back"]
        assert not guarded.is_open

    async def test_failures_are_logged_once_per_period(
        self, guarded: GuardedCache, inner: Flaky, clock: Clock, caplog: pytest.LogCaptureFixture
    ) -> None:
        inner.down = True
        caplog.set_level(logging.WARNING, logger="app.infra.cache.guarded")

        for _ in range(3):
            await guarded.get_many(["a"])
        clock.now += 11
        await guarded.get_many(["a"])

        assert len(caplog.records) == 2


class TestReplayedInvalidation:
    async def test_reads_miss_until_a_failed_invalidation_is_through(
        self, guarded: GuardedCache, inner: Flaky, clock: Clock
    ) -> None:
        await guarded.set("entry", b"stale", 100)
        inner.down = True
        await guarded.increment_many(["tag"], 100)

        inner.down = False
        clock.now += 11
        first = await guarded.get_many(["entry", "tag"])

        assert first == [b"stale", b"1"]
        assert await inner.store.get_many(["tag"]) == [b"1"]

    async def test_while_the_invalidation_cannot_be_sent_reads_are_misses(
        self, inner: Flaky
    ) -> None:
        guarded = GuardedCache(inner, timeout_seconds=1, failures_to_open=100, cooldown_seconds=1)
        await guarded.set("entry", b"stale", 100)
        inner.down = True
        await guarded.increment_many(["tag"], 100)

        assert await guarded.get_many(["entry"]) == [None]
