"""FailureCounter contract, for the in-process and the Redis counters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.application.ports.throttling import FailureCounter
from app.infra.throttling import MemoryFailureCounter, RedisFailureCounter
from tests.databases import redis_prefix


@pytest.fixture(params=["memory", "redis"])
def counter_kind(request: pytest.FixtureRequest) -> str | None:
    """None for the in-process counter, else the test Redis URL."""
    return None if request.param == "memory" else str(request.getfixturevalue("redis_url"))


@pytest.fixture
async def counter(counter_kind: str | None) -> AsyncIterator[FailureCounter]:
    if counter_kind is None:
        yield MemoryFailureCounter()
        return
    client = Redis.from_url(counter_kind)
    try:
        yield RedisFailureCounter(client, prefix=redis_prefix(), timeout_seconds=1)
    finally:
        await client.aclose()


class TestFailureCounter:
    async def test_failures_are_counted_in_a_window_the_first_one_opens(
        self, counter: FailureCounter
    ) -> None:
        await counter.add(["a", "b"], 60)
        await asyncio.sleep(0.3)
        await counter.add(["a"], 60)

        (a_count, a_left), (b_count, b_left), (c_count, c_left) = await counter.counts(
            ["a", "b", "c"]
        )

        assert (a_count, b_count, c_count) == (2, 1, 0)
        assert 58 < a_left < 59.9  # not extended by the second failure
        assert 58 < b_left <= 60
        assert c_left == 0

    async def test_a_window_ends_and_counting_starts_over(self, counter: FailureCounter) -> None:
        await counter.add(["a"], 1)
        await asyncio.sleep(1.2)

        assert await counter.counts(["a"]) == [(0, 0.0)]
        await counter.add(["a"], 60)
        assert (await counter.counts(["a"]))[0][0] == 1

    async def test_reset_forgets_the_failures(self, counter: FailureCounter) -> None:
        await counter.add(["a", "b"], 60)
        await counter.reset(["a"])

        counts = await counter.counts(["a", "b"])

        assert [count for count, _ in counts] == [0, 1]


class TestRedisTrouble:
    async def test_an_unreachable_redis_counts_nothing_and_raises_nothing(self) -> None:
        client = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
        counter = RedisFailureCounter(client, prefix="x", timeout_seconds=0.5)
        try:
            await counter.add(["a"], 60)
            await counter.reset(["a"])
            assert await counter.counts(["a"]) == [(0, 0.0)]
        finally:
            await client.aclose()
