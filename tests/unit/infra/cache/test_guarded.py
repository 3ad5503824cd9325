"""GuardedCache: failures are misses, a breaker stops calling, invalidations are replayed."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence

import pytest
from prometheus_client import REGISTRY

from app.infra.cache.guarded import GuardedCache
from app.infra.cache.memory import MemoryCache


class Flaky:
    """A cache that fails while `down` is set (its counters alone while `increments_down`
    is), counts the calls that reach it and keeps the increments it carried out. While
    `hold` is an unset event, every call that reaches it waits for the event."""

    def __init__(self) -> None:
        self.down = False
        self.increments_down = False
        self.hold: asyncio.Event | None = None
        self.calls = 0
        self.waiting = 0
        self._arrival = asyncio.Condition()
        self.increments: list[dict[str, float]] = []
        self.store = MemoryCache(max_entries=100)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        await self._reach()
        return await self.store.get_many(keys)

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        await self._reach()
        await self.store.set(key, value, ttl_seconds)

    async def increment_many(self, counters: Mapping[str, float]) -> None:
        await self._reach(failing=self.increments_down)
        self.increments.append(dict(counters))
        await self.store.increment_many(counters)

    async def until_waiting(self, count: int) -> None:
        """Return once `count` calls are waiting for `hold`."""
        async with self._arrival:
            await self._arrival.wait_for(lambda: self.waiting >= count)

    async def _reach(self, *, failing: bool = False) -> None:
        self.calls += 1
        if self.hold is not None:
            async with self._arrival:
                self.waiting += 1
                self._arrival.notify_all()
            try:
                await self.hold.wait()
            finally:
                self.waiting -= 1
        if self.down or failing:
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


@pytest.fixture
def unbreakable(inner: Flaky, clock: Clock) -> GuardedCache:
    """A guard whose breaker stays closed, so every call reaches the inner cache."""
    return GuardedCache(
        inner, timeout_seconds=1, failures_to_open=1000, cooldown_seconds=10, clock=clock
    )


def cache_errors(operation: str) -> float:
    return REGISTRY.get_sample_value("cache_errors_total", {"operation": operation}) or 0.0


def unlogged_count(message: str) -> int:
    found = re.search(r"(-?\d+) similar failures not logged", message)
    assert found, message
    return int(found.group(1))


async def open_breaker(guarded: GuardedCache, inner: Flaky) -> None:
    inner.down = True
    for _ in range(3):
        await guarded.get_many(["a"])
    assert guarded.is_open


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

    async def test_writes_to_a_failing_cache_return_quietly(
        self, guarded: GuardedCache, inner: Flaky
    ) -> None:
        inner.down = True

        for _ in range(5):
            await guarded.set("a", b"1", 10)
            await guarded.increment_many({"tag": 10})

        assert guarded.is_open


class TestDeadline:
    async def test_a_read_that_does_not_answer_in_time_is_a_miss(
        self, inner: Flaky, clock: Clock
    ) -> None:
        guarded = GuardedCache(
            inner, timeout_seconds=0.01, failures_to_open=3, cooldown_seconds=10, clock=clock
        )
        inner.hold = asyncio.Event()

        async with asyncio.timeout(5):
            assert await guarded.get_many(["a", "b"]) == [None, None]

    async def test_writes_that_do_not_answer_in_time_return(
        self, inner: Flaky, clock: Clock
    ) -> None:
        guarded = GuardedCache(
            inner, timeout_seconds=0.01, failures_to_open=3, cooldown_seconds=10, clock=clock
        )
        inner.hold = asyncio.Event()

        async with asyncio.timeout(5):
            await guarded.set("a", b"1", 10)
            await guarded.increment_many({"tag": 10})

    async def test_calls_that_do_not_answer_in_time_open_the_breaker(
        self, inner: Flaky, clock: Clock
    ) -> None:
        guarded = GuardedCache(
            inner, timeout_seconds=0.01, failures_to_open=3, cooldown_seconds=10, clock=clock
        )
        inner.hold = asyncio.Event()

        async with asyncio.timeout(5):
            for _ in range(3):
                await guarded.get_many(["a"])

        assert guarded.is_open

    async def test_without_a_deadline_of_its_own_it_waits_for_the_inner_cache(
        self, inner: Flaky, clock: Clock
    ) -> None:
        guarded = GuardedCache(
            inner, timeout_seconds=None, failures_to_open=3, cooldown_seconds=10, clock=clock
        )
        await inner.store.set("a", b"1", 10)
        inner.hold = asyncio.Event()

        async with asyncio.timeout(5):
            read = asyncio.create_task(guarded.get_many(["a"]))
            await inner.until_waiting(1)
            await asyncio.sleep(0.02)  # longer than the deadlines above
            inner.hold.set()
            assert await read == [b"1"]

    async def test_without_a_deadline_of_its_own_the_inner_failure_is_a_miss(
        self, inner: Flaky, clock: Clock
    ) -> None:
        guarded = GuardedCache(
            inner, timeout_seconds=None, failures_to_open=3, cooldown_seconds=10, clock=clock
        )
        inner.down = True

        assert await guarded.get_many(["a"]) == [None]


class TestBreaker:
    async def test_one_failure_short_of_the_threshold_keeps_it_closed(
        self, guarded: GuardedCache, inner: Flaky
    ) -> None:
        inner.down = True
        for _ in range(2):
            await guarded.get_many(["a"])
        inner.down = False
        await inner.store.set("a", b"up", 10)

        assert not guarded.is_open
        assert await guarded.get_many(["a"]) == [b"up"]

    async def test_the_probe_is_let_through_as_soon_as_the_cooldown_has_passed(
        self, guarded: GuardedCache, inner: Flaky, clock: Clock
    ) -> None:
        await open_breaker(guarded, inner)
        inner.down = False
        await inner.store.set("a", b"back", 10)

        clock.now += 10

        assert await guarded.get_many(["a"]) == [b"back"]

    async def test_while_the_probe_is_in_flight_other_calls_get_the_fallback(
        self, guarded: GuardedCache, inner: Flaky, clock: Clock
    ) -> None:
        await open_breaker(guarded, inner)
        inner.down = False
        await inner.store.set("a", b"back", 10)
        inner.hold = asyncio.Event()
        clock.now += 11

        async with asyncio.timeout(5):
            probe = asyncio.create_task(guarded.get_many(["a"]))
            await inner.until_waiting(1)
            calls = inner.calls
            during_probe = await guarded.get_many(["a"])
            inner.hold.set()
            probed = await probe

        assert during_probe == [None]
        assert inner.calls == calls
        assert probed == [b"back"]
        assert not guarded.is_open
        assert await guarded.get_many(["a"]) == [b"back"]

    async def test_after_a_recovery_it_takes_the_full_count_of_failures_to_open(
        self, guarded: GuardedCache, inner: Flaky, clock: Clock
    ) -> None:
        await open_breaker(guarded, inner)
        inner.down = False
        clock.now += 11
        await guarded.get_many(["a"])

        inner.down = True
        for _ in range(2):
            await guarded.get_many(["a"])
        inner.down = False
        await inner.store.set("a", b"up", 10)

        assert await guarded.get_many(["a"]) == [b"up"]


class TestFailureLog:
    async def test_a_logged_failure_names_its_cause_and_the_failures_left_unlogged(
        self, guarded: GuardedCache, inner: Flaky, clock: Clock, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger="app.infra.cache.guarded")
        inner.down = True

        for _ in range(3):
            await guarded.get_many(["a"])
        clock.now += 11
        await guarded.get_many(["a"])

        messages = [record.getMessage() for record in caplog.records]
        assert all("ConnectionError: connection refused" in message for message in messages)
        assert [unlogged_count(message) for message in messages] == [0, 2]

    async def test_a_failure_a_full_cooldown_after_the_last_logged_one_is_logged(
        self,
        unbreakable: GuardedCache,
        inner: Flaky,
        clock: Clock,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.WARNING, logger="app.infra.cache.guarded")
        inner.down = True

        for now in (0, 5, 10, 15):
            clock.now = now
            await unbreakable.get_many(["a"])

        assert [unlogged_count(record.getMessage()) for record in caplog.records] == [0, 1]

    async def test_recovery_is_logged_with_the_number_of_failed_calls(
        self, guarded: GuardedCache, inner: Flaky, caplog: pytest.LogCaptureFixture
    ) -> None:
        inner.down = True
        for _ in range(2):
            await guarded.get_many(["a"])
        inner.down = False
        caplog.set_level(logging.INFO, logger="app.infra.cache.guarded")
        caplog.clear()

        await guarded.get_many(["a"])

        messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
        assert len(messages) == 1
        assert "answers again after 2 failed calls" in messages[0]


class TestErrorMetric:
    async def test_failed_calls_are_counted_by_operation(
        self, guarded: GuardedCache, inner: Flaky
    ) -> None:
        before = {operation: cache_errors(operation) for operation in ("get", "set", "increment")}
        inner.down = True

        await guarded.get_many(["a"])
        await guarded.set("a", b"1", 10)
        await guarded.increment_many({"tag": 10})

        after = {operation: cache_errors(operation) for operation in ("get", "set", "increment")}
        assert {op: after[op] - before[op] for op in after} == {"get": 1, "set": 1, "increment": 1}

    async def test_a_failed_replay_is_counted_as_an_increment(
        self, unbreakable: GuardedCache, inner: Flaky
    ) -> None:
        inner.increments_down = True
        await unbreakable.increment_many({"tag": 10})
        gets, increments = cache_errors("get"), cache_errors("increment")

        await unbreakable.get_many(["entry"])

        assert cache_errors("increment") - increments == 1
        assert cache_errors("get") - gets == 0


class TestReplayedInvalidation:
    async def test_reads_miss_until_a_failed_invalidation_is_through(
        self, guarded: GuardedCache, inner: Flaky, clock: Clock
    ) -> None:
        await guarded.set("entry", b"stale", 100)
        inner.down = True
        await guarded.increment_many({"tag": 100})

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
        await guarded.increment_many({"tag": 100})

        assert await guarded.get_many(["entry"]) == [None]

    async def test_an_invalidation_reaches_the_cache_with_its_keys_and_ttl(
        self, guarded: GuardedCache, inner: Flaky
    ) -> None:
        await guarded.increment_many({"tag:a": 30, "tag:b": 30})

        assert inner.increments == [{"tag:a": 30, "tag:b": 30}]

    async def test_a_delivered_invalidation_is_not_sent_again(
        self, guarded: GuardedCache, inner: Flaky
    ) -> None:
        await guarded.increment_many({"tag": 30})

        await guarded.get_many(["entry"])
        await guarded.get_many(["entry"])

        assert inner.increments == [{"tag": 30}]

    async def test_a_replayed_invalidation_is_not_sent_again(
        self, unbreakable: GuardedCache, inner: Flaky
    ) -> None:
        inner.increments_down = True
        await unbreakable.increment_many({"tag": 30})
        inner.increments_down = False

        await unbreakable.get_many(["entry"])
        await unbreakable.get_many(["entry"])

        assert inner.increments == [{"tag": 30}]

    async def test_reads_miss_while_only_the_counters_fail(
        self, unbreakable: GuardedCache, inner: Flaky
    ) -> None:
        await unbreakable.set("entry", b"stale", 100)
        inner.increments_down = True
        await unbreakable.increment_many({"tag": 100})

        reads = [await unbreakable.get_many(["entry"]) for _ in range(3)]

        assert reads == [[None]] * 3
        assert await inner.store.get_many(["entry"]) == [b"stale"]

    async def test_once_the_counters_recover_every_pending_key_is_sent_before_a_read(
        self, guarded: GuardedCache, inner: Flaky, clock: Clock
    ) -> None:
        await guarded.set("entry", b"stale", 100)
        inner.increments_down = True
        await guarded.increment_many({"tag:a": 90})
        await guarded.increment_many({"tag:b": 30})
        reads = [await guarded.get_many(["entry"])]
        clock.now += 11
        reads.append(await guarded.get_many(["entry"]))
        inner.increments_down = False
        reads.append(await guarded.get_many(["entry"]))
        assert reads == [[None]] * 3
        assert inner.increments == []

        clock.now += 11
        answer = await guarded.get_many(["entry", "tag:a", "tag:b"])

        assert inner.increments == [{"tag:a": 90, "tag:b": 30}]  # each with its own ttl
        assert answer == [b"stale", b"1", b"1"]

    async def test_reads_that_meet_during_a_replay_all_answer(
        self, guarded: GuardedCache, inner: Flaky
    ) -> None:
        await guarded.set("entry", b"value", 100)
        inner.increments_down = True
        await guarded.increment_many({"tag": 100})
        inner.increments_down = False
        inner.hold = asyncio.Event()

        async with asyncio.timeout(5):
            reads = [asyncio.create_task(guarded.get_many(["entry"])) for _ in range(2)]
            await inner.until_waiting(2)
            inner.hold.set()
            answers = await asyncio.gather(*reads)

        assert answers == [[b"value"], [b"value"]]

    async def test_a_key_that_fails_again_during_its_replay_stays_pending(
        self, unbreakable: GuardedCache, inner: Flaky
    ) -> None:
        await unbreakable.set("entry", b"value", 100)
        inner.increments_down = True
        await unbreakable.increment_many({"tag": 100})
        inner.increments_down = False
        held = inner.hold = asyncio.Event()

        async with asyncio.timeout(5):
            replaying = asyncio.create_task(unbreakable.get_many(["entry"]))
            await inner.until_waiting(1)
            inner.hold = None
            inner.increments_down = True
            await unbreakable.increment_many({"tag": 100})  # a newer write's, failing
            inner.increments_down = False
            held.set()
            during = await replaying

        after = [await unbreakable.get_many(["entry"]) for _ in range(2)]

        assert during == [None]
        assert inner.increments == [{"tag": 100}, {"tag": 100}]
        assert after == [[b"value"], [b"value"]]

    async def test_a_key_recorded_twice_is_replayed_with_its_largest_ttl(
        self, unbreakable: GuardedCache, inner: Flaky
    ) -> None:
        inner.increments_down = True
        await unbreakable.increment_many({"tag": 0.5})
        await unbreakable.increment_many({"tag": 0.25})
        inner.increments_down = False

        await unbreakable.get_many(["entry"])

        assert inner.increments == [{"tag": 0.5}]
