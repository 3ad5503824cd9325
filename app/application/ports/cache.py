"""The cache port: a key-value store with expiry and counters (Redis, memory, fakes).

No method is atomic across keys, so an adapter never needs keys to share a Redis
Cluster slot: each key is read, written or incremented on its own (pipelined).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class Cache(Protocol):
    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The values of the keys, in order; None for a key that is absent or expired."""
        ...

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None: ...

    async def increment_many(self, counters: Mapping[str, float]) -> None:
        """Add one to each counter (absent counts as 0) and keep it for its ttl in seconds."""
        ...
