"""Attempt counters for throttling: in Redis (shared by every process) or in the process.

Fixed windows: a key's first attempt opens a window of `window_seconds`. Taking an
attempt checks every key's limit and counts it in one step (one script in Redis; no
await in between in the process), so racing callers cannot overrun a limit. A Redis
that fails or is slow counts nothing and refuses nothing (sign-ins stay possible;
argon2 still makes each guess expensive), logged once per minute at most.
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

# KEYS: the counters; ARGV[1]: the window; ARGV[i + 1]: the limit of KEYS[i]. When a key
# is at its limit: the milliseconds left in the fullest such window, nothing counted.
# Otherwise one attempt on each key (a new key's first opens its window) and 0.
_TAKE = """
local wait = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then
    local left = redis.call('PTTL', key)
    if left < 1 then left = tonumber(ARGV[1]) * 1000 end
    if left > wait then wait = left end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('EXPIRE', key, ARGV[1])
  end
end
return 0
"""
# One attempt fewer on each key (a key at zero is removed).
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 and redis.call('DECR', key) <= 0 then
    redis.call('DEL', key)
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


class MemoryAttemptCounter:
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

    async def take(self, limits: Sequence[tuple[str, int]], window_seconds: int) -> float:
        now = self._clock()
        windows = [(key, limit, self._live(key, now)) for key, limit in limits]
        waits = [w[1] - now for _, limit, w in windows if w is not None and w[0] >= limit]
        if waits:
            return max(waits)
        for key, _, window in windows:
            count, ends = (0, now + window_seconds) if window is None else window
            self._windows[key] = (count + 1, ends)
        if len(self._windows) > 100_000:  # bounded: drop windows that have ended
            for key in [key for key, (_, ends) in self._windows.items() if ends <= now]:
                del self._windows[key]
        return 0.0

    async def give_back(self, keys: Sequence[str]) -> None:
        now = self._clock()
        for key in keys:
            window = self._live(key, now)
            if window is None:
                continue
            if window[0] <= 1:
                del self._windows[key]
            else:
                self._windows[key] = (window[0] - 1, window[1])

    async def reset(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._windows.pop(key, None)


class RedisAttemptCounter:
    """Shared by every process; each call is one script, with a deadline."""

    def __init__(self, client: Redis, *, prefix: str, timeout_seconds: float) -> None:
        self._client = client
        self._prefix = prefix
        self._timeout = timeout_seconds
        self._take = client.register_script(_TAKE)
        self._give_back = client.register_script(_GIVE_BACK)
        self._counts = client.register_script(_COUNTS)
        self._last_logged = float("-inf")

    def _names(self, keys: Sequence[str]) -> list[str]:
        return [f"{self._prefix}:{key}" for key in keys]

    def _failed(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_logged >= LOG_EVERY_SECONDS:
            self._last_logged = now
            logger.warning("throttling off: Redis failed (%s: %s)", type(error).__name__, error)

    async def counts(self, keys: Sequence[str]) -> list[tuple[int, float]]:
        try:
            async with asyncio.timeout(self._timeout):
                raw = cast("list[int]", await self._counts(keys=self._names(keys)))
        except Exception as error:
            self._failed(error)
            return [(0, 0.0)] * len(keys)
        pairs = zip(raw[0::2], raw[1::2], strict=True)
        return [(int(count), max(0.0, int(left) / 1000)) for count, left in pairs]

    async def take(self, limits: Sequence[tuple[str, int]], window_seconds: int) -> float:
        keys = [key for key, _ in limits]
        args = [window_seconds, *(limit for _, limit in limits)]
        try:
            async with asyncio.timeout(self._timeout):
                wait = cast("int", await self._take(keys=self._names(keys), args=args))
        except Exception as error:
            self._failed(error)
            return 0.0
        return max(0.0, int(wait) / 1000)

    async def give_back(self, keys: Sequence[str]) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self._give_back(keys=self._names(keys))
        except Exception as error:
            self._failed(error)

    async def reset(self, keys: Sequence[str]) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self._client.delete(*self._names(keys))
        except Exception as error:
            self._failed(error)


def build_attempt_counter(
    settings: Settings, client: Redis | None
) -> MemoryAttemptCounter | RedisAttemptCounter:
    """In Redis when it is the cache (every process shares it), else in the process."""
    if client is None:
        return MemoryAttemptCounter()
    return RedisAttemptCounter(
        client, prefix=settings.cache_prefix, timeout_seconds=settings.cache_timeout_ms / 1000
    )
