"""AttemptCounter contract, for the in-process and the Redis counters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.application.ports.throttling import AttemptCounter
from app.infra.throttling import MemoryAttemptCounter, RedisAttemptCounter
from tests.databases import redis_prefix


@pytest.fixture(params=["memory", "redis"])
def counter_kind(request: pytest.FixtureRequest) -> str | None:
    """None for the in-process counter, else the test Redis URL."""
    return None if request.param == "memory" else str(request.getfixturevalue("redis_url"))


@pytest.fixture
async def counter(counter_kind: str | None) -> AsyncIterator[AttemptCounter]:
    if counter_kind is None:
        yield MemoryAttemptCounter()
        return
    client = Redis.from_url(counter_kind)
    try:
        yield RedisAttemptCounter(client, prefix=redis_prefix(), timeout_seconds=1)
    finally:
        await client.aclose()


class TestAttemptCounter:
    async def test_attempts_are_counted_in_a_window_the_first_one_opens(
        self, counter: AttemptCounter
    ) -> None:
        assert await counter.take([("a", 5), ("b", 5)], 60) == 0
        await asyncio.sleep(0.3)
        assert await counter.take([("a", 5)], 60) == 0

        (a_count, a_left), (b_count, b_left), (c_count, c_left) = await counter.counts(
            ["a", "b", "c"]
        )

        assert (a_count, b_count, c_count) == (2, 1, 0)
        assert 58 < a_left < 59.9  # not extended by the second attempt
        assert 58 < b_left <= 60
        assert c_left == 0

    async def test_a_key_at_its_limit_refuses_and_nothing_is_counted(
        self, counter: AttemptCounter
    ) -> None:
        for _ in range(2):
            await counter.take([("a", 2)], 60)

        wait = await counter.take([("a", 2), ("b", 9)], 60)

        assert 58 < wait <= 60
        assert [count for count, _ in await counter.counts(["a", "b"])] == [2, 0]

    async def test_racing_attempts_never_count_past_the_limit(
        self, counter: AttemptCounter
    ) -> None:
        results = await asyncio.gather(*(counter.take([("a", 5)], 60) for _ in range(50)))

        assert sum(wait == 0 for wait in results) == 5
        assert (await counter.counts(["a"]))[0][0] == 5

    async def test_a_window_ends_and_counting_starts_over(self, counter: AttemptCounter) -> None:
        await counter.take([("a", 1)], 1)
        await asyncio.sleep(1.2)

        assert await counter.counts(["a"]) == [(0, 0.0)]
        assert await counter.take([("a", 1)], 60) == 0

    async def test_an_attempt_given_back_is_no_longer_counted(
        self, counter: AttemptCounter
    ) -> None:
        await counter.take([("a", 2)], 60)
        await counter.take([("a", 2)], 60)
        await counter.give_back(["a", "never-taken"])

        assert await counter.take([("a", 2)], 60) == 0
        assert [count for count, _ in await counter.counts(["a", "never-taken"])] == [2, 0]

    async def test_reset_forgets_the_attempts(self, counter: AttemptCounter) -> None:
        await counter.take([("a", 5), ("b", 5)], 60)
        await counter.reset(["a"])

        counts = await counter.counts(["a", "b"])

        assert [count for count, _ in counts] == [0, 1]


class TestRedisTrouble:
    async def test_an_unreachable_redis_counts_nothing_and_raises_nothing(self) -> None:
        client = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
        counter = RedisAttemptCounter(client, prefix="x", timeout_seconds=0.5)
        try:
            assert await counter.take([("a", 1)], 60) == 0
            await counter.give_back(["a"])
            await counter.reset(["a"])
            assert await counter.counts(["a"]) == [(0, 0.0)]
        finally:
            await client.aclose()
