"""Port of throttling: attempt counters shared by every process of the service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class AttemptCounter(Protocol):
    async def take(self, limits: Sequence[tuple[str, int]], window_seconds: int) -> float:
        """Count one attempt on every key, unless one has reached its limit: atomic, so
        however many callers race, no key counts more attempts than its limit. 0 when
        taken; else the seconds until the fullest key's window ends (nothing counted).
        A key's first attempt opens its window."""
        ...

    async def give_back(self, keys: Sequence[str]) -> None:
        """Uncount one attempt on each key (an attempt that turned out not to count)."""
        ...

    async def counts(self, keys: Sequence[str]) -> list[tuple[int, float]]:
        """For each key: attempts counted in its current window, and seconds until the
        window ends (0 for a key with no window open)."""
        ...

    async def reset(self, keys: Sequence[str]) -> None: ...
