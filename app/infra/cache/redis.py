"""The Redis cache (redis.asyncio): one pipelined round trip per call, no cross-slot command."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis


class RedisCache:
    def __init__(self, client: Redis) -> None:
        self._client = client

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        async with self._client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.get(key)
            values: list[bytes | None] = await pipe.execute()
        return values

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        await self._client.set(key, value, px=max(1, int(ttl_seconds * 1000)))

    async def increment_many(self, keys: Sequence[str], ttl_seconds: float) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.incr(key)
                pipe.expire(key, max(1, int(ttl_seconds)))
            await pipe.execute()


def redis_url(value: str) -> str:
    """A redis:// URL, from a URL or a bare host[:port] (the seed's `REDIS_URL=127.0.0.1`)."""
    return value if "://" in value else f"redis://{value}"
