"""Failure counters for throttling: in Redis (shared by every process) or in the process.

Fixed windows: a key's first failure opens a window of `window_seconds`; the count and
the time left are read together. A Redis that fails or is slow counts as no failures at
all (sign-ins stay possible; argon2 still makes each guess expensive), logged once per
minute at most.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import cast

from redis.asyncio import Redis

from app.infra.settings import Settings

logger = logging.getLogger(__name__)
LOG_EVERY_SECONDS = 60.0

# KEYS: the counters; ARGV[1]: the window. Counts one failure on each; a new key's
# first failure opens its window (a count never extends it).
_ADD = """
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('EXPIRE', key, ARGV[1])
  end
end
return #KEYS
"""
# For each key: its count and the milliseconds left in its window.
_COUNTS = """
local result = {}
for _, key in ipairs(KEYS) do
  table.insert(result, tonumber(redis.call('GET', key) or '0'))
  table.insert(result, redis.call('PTTL', key))
end
return result
"""


class MemoryFailureCounter:
    """For one process (the embedded default)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[int, float]] = {}

    def _live(self, key: str, now: float) -> tuple[int, float] | None:
        window = self._windows.get(key)
        if window is not None and window[1] <= now:
            del self._windows[key]
            return None
        return window

    async def counts(self, keys: Sequence[str]) -> list[tuple[int, float]]:
        now = self._clock()
        result = []
        for key in keys:
            window = self._live(key, now)
            result.append((0, 0.0) if window is None else (window[0], window[1] - now))
        return result

    async def add(self, keys: Sequence[str], window_seconds: int) -> None:
        now = self._clock()
        for key in keys:
            window = self._live(key, now)
            count, ends = (0, now + window_seconds) if window is None else window
            self._windows[key] = (count + 1, ends)
        if len(self._windows) > 100_000:  # bounded: drop windows that have ended
            for key in [key for key, (_, ends) in self._windows.items() if ends <= now]:
                del self._windows[key]

    async def reset(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._windows.pop(key, None)


class RedisFailureCounter:
    """Shared by every process; each call is one script, with a deadline."""

    def __init__(self, client: Redis, *, prefix: str, timeout_seconds: float) -> None:
        self._client = client
        self._prefix = prefix
        self._timeout = timeout_seconds
        self._add = client.register_script(_ADD)
        self._counts = client.register_script(_COUNTS)
        self._last_logged = float("-inf")

    def _names(self, keys: Sequence[str]) -> list[str]:
        return [f"{self._prefix}:{key}" for key in keys]

    def _failed(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_logged >= LOG_EVERY_SECONDS:
            self._last_logged = now
            logger.warning(
                "sign-in throttling off: Redis failed (%s: %s)", type(error).__name__, error
            )

    async def counts(self, keys: Sequence[str]) -> list[tuple[int, float]]:
        try:
            async with asyncio.timeout(self._timeout):
                raw = cast("list[int]", await self._counts(keys=self._names(keys)))
        except Exception as error:
            self._failed(error)
            return [(0, 0.0)] * len(keys)
        pairs = zip(raw[0::2], raw[1::2], strict=True)
        return [(int(count), max(0.0, int(left) / 1000)) for count, left in pairs]

    async def add(self, keys: Sequence[str], window_seconds: int) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self._add(keys=self._names(keys), args=[window_seconds])
        except Exception as error:
            self._failed(error)

    async def reset(self, keys: Sequence[str]) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self._client.delete(*self._names(keys))
        except Exception as error:
            self._failed(error)


def build_failure_counter(
    settings: Settings, client: Redis | None
) -> MemoryFailureCounter | RedisFailureCounter:
    """In Redis when it is the cache (every process shares it), else in the process."""
    if client is None:
        return MemoryFailureCounter()
    return RedisFailureCounter(
        client, prefix=settings.cache_prefix, timeout_seconds=settings.cache_timeout_ms / 1000
    )
