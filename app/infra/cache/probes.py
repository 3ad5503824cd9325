"""Readiness probe of the Redis cache."""

from __future__ import annotations

from redis.asyncio import Redis


class RedisProbe:
    """Pings through the process's own client, so the answer is bounded by the cache's
    short timeouts and says whether the cache works the way requests use it."""

    essential = False

    def __init__(self, name: str, client: Redis) -> None:
        self._name = name
        self._client = client

    @property
    def name(self) -> str:
        return self._name

    async def check(self) -> None:
        await self._client.ping()
