"""A cache that never fails its caller: slow or failing calls count as misses.

Each call has a deadline: the guard's own, or, with `timeout_seconds=None`, the inner
cache's (a Redis client with socket timeouts bounds every connect, send and read, so a
second timer per call would only cost). After `failures_to_open` failures in a row the breaker opens
and the cache is skipped for `cooldown_seconds`; then one call probes, and a success
closes it again. Failures are logged once per cooldown period, not per request.

Counter increments that fail (tag invalidations after a commit) are kept and sent
again before the next read; until they are through, every read is a miss, so an entry
made stale by a write is never served once the cache comes back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from app.application.ports.cache import Cache
from app.infra.observability import count_cache_error

logger = logging.getLogger(__name__)
T = TypeVar("T")


class GuardedCache:
    def __init__(
        self,
        inner: Cache,
        *,
        timeout_seconds: float | None,
        failures_to_open: int,
        cooldown_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._timeout = timeout_seconds
        self._failures_to_open = failures_to_open
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._failures = 0
        self._open_until = 0.0
        self._probing = False
        self._last_logged = float("-inf")
        self._unlogged = 0
        # key -> (its largest ttl, when it was recorded); the record number tells a
        # replay whether the key failed again while the replay was in flight.
        self._pending: dict[str, tuple[float, int]] = {}
        self._records = 0

    @property
    def is_open(self) -> bool:
        return self._failures >= self._failures_to_open and self._clock() < self._open_until

    async def _call(self, name: str, operation: Callable[[], Awaitable[T]], fallback: T) -> T:
        if self._failures >= self._failures_to_open:
            if self._clock() < self._open_until or self._probing:
                return fallback
            self._probing = True
        try:
            if self._timeout is None:
                result = await operation()
            else:
                async with asyncio.timeout(self._timeout):  # no task per call, unlike wait_for
                    result = await operation()
        except Exception as error:
            count_cache_error(name)
            self._failed(error)
            return fallback
        finally:
            self._probing = False
        if self._failures:
            logger.info("cache answers again after %d failed calls", self._failures)
        self._failures = 0
        return result

    def _failed(self, error: Exception) -> None:
        self._failures += 1
        if self._failures >= self._failures_to_open:
            self._open_until = self._clock() + self._cooldown
        now = self._clock()
        if now - self._last_logged >= self._cooldown:
            logger.warning(
                "cache unavailable (%s: %s); serving without it; %d similar failures not logged",
                type(error).__name__,
                error,
                self._unlogged,
            )
            self._last_logged, self._unlogged = now, 0
        else:
            self._unlogged += 1

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        misses: list[bytes | None] = [None] * len(keys)
        if self._pending and not await self._flush_pending():
            return misses
        return await self._call("get", lambda: self._inner.get_many(keys), misses)

    async def _flush_pending(self) -> bool:
        pending = dict(self._pending)

        async def send() -> bool:
            await self._inner.increment_many({key: ttl for key, (ttl, _) in pending.items()})
            return True

        if await self._call("increment", send, False):
            for key, record in pending.items():
                if self._pending.get(key) == record:
                    del self._pending[key]
            return not self._pending  # a key that failed again meanwhile stays pending
        return False

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        await self._call("set", lambda: self._inner.set(key, value, ttl_seconds), None)

    async def increment_many(self, counters: Mapping[str, float]) -> None:
        async def send() -> bool:
            await self._inner.increment_many(counters)
            return True

        if not await self._call("increment", send, False):
            self._records += 1
            for key, ttl_seconds in counters.items():
                earlier, _ = self._pending.get(key, (0.0, 0))
                self._pending[key] = (max(earlier, ttl_seconds), self._records)
