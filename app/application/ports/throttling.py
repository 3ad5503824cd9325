"""Port of throttling: failure counters shared by every process of the service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class FailureCounter(Protocol):
    async def counts(self, keys: Sequence[str]) -> list[tuple[int, float]]:
        """For each key: failures counted in its current window, and seconds until the
        window ends (0 for a key with no window open)."""
        ...

    async def add(self, keys: Sequence[str], window_seconds: int) -> None:
        """Count one failure on each key; a key's first failure opens its window."""
        ...

    async def reset(self, keys: Sequence[str]) -> None: ...
