"""An in-process cache: bounded (least recently used goes first), with expiry."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence


class MemoryCache:
    def __init__(self, *, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max_entries = max_entries
        self._clock = clock

    def _get(self, key: str, now: float) -> bytes | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires_at, value = found
        if expires_at <= now:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def _put(self, key: str, value: bytes, expires_at: float) -> None:
        self._entries[key] = (expires_at, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        now = self._clock()
        return [self._get(key, now) for key in keys]

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        self._put(key, value, self._clock() + ttl_seconds)

    async def increment_many(self, counters: Mapping[str, float]) -> None:
        now = self._clock()
        for key, ttl_seconds in counters.items():
            current = self._get(key, now)
            count = 1 if current is None else int(current) + 1
            self._put(key, str(count).encode(), now + ttl_seconds)

    def __len__(self) -> int:
        return len(self._entries)
