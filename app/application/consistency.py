"""Read-your-writes: who is acting, and whether this task must read the primary.

After a signed-in user's command commits, a marker with a short expiry is written to
the cache backend: a counter, so the commit's tag counters and it take one call. While
it lives, that user's reads skip the cache and go to the primary, so neither a lagging
replica nor a cache entry filled from one can hide their own write. Both facts travel
in context variables set by the interface per request.
"""

from __future__ import annotations

from contextvars import ContextVar

from app.application.ports.cache import Cache

_actor: ContextVar[str | None] = ContextVar("actor", default=None)
_primary_reads: ContextVar[bool] = ContextVar("primary_reads", default=False)


def start_request() -> None:
    """Forget whoever the previous request in this context acted as."""
    _actor.set(None)
    _primary_reads.set(False)


def act_as(user_id: str) -> None:
    """The signed-in user of the current request (the one whose writes are marked)."""
    _actor.set(user_id)


def current_actor() -> str | None:
    return _actor.get()


def reads_from_primary() -> bool:
    return _primary_reads.get()


class ReadYourWrites:
    def __init__(self, cache: Cache | None, *, prefix: str, window_seconds: float) -> None:
        self._cache = cache
        self._prefix = prefix
        self._window = window_seconds

    @property
    def cache(self) -> Cache | None:
        return self._cache

    def _marker(self, user_id: str) -> str:
        return f"{self._prefix}:ryw:{user_id}"

    def marker(self, user_id: str) -> dict[str, float]:
        """The counter to bump, with its lifetime, that sends the user's reads to the
        primary for the window; none without a cache or a window."""
        if self._cache is None or self._window <= 0:
            return {}
        return {self._marker(user_id): self._window}

    async def wrote(self, user_id: str) -> None:
        """Send the user's reads to the primary for the window."""
        marker = self.marker(user_id)
        if marker and self._cache is not None:
            await self._cache.increment_many(marker)

    async def begin_read(self, user_id: str | None) -> None:
        """Decide, for the current request, where its reads go."""
        if user_id is None or self._cache is None:
            return
        (marker,) = await self._cache.get_many([self._marker(user_id)])
        _primary_reads.set(marker is not None)
