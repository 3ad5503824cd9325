"""The Redis cache (redis.asyncio): every call is one command and one round trip.

The keys of one call may live in different hash slots: this is for a single Redis
server (or a primary with replicas), not Redis Cluster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from redis.asyncio import Redis

# Each key counts up by one and lives for its ARGV milliseconds more; one script, one
# round trip.
_INCREMENT_ALL = """
for index, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, ARGV[index])
end
return #KEYS
"""


class RedisCache:
    def __init__(self, client: Redis) -> None:
        self._client = client
        self._increment_all = client.register_script(_INCREMENT_ALL)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        # Bytes: the client is built without decode_responses.
        return cast("list[bytes | None]", await self._client.mget(keys))

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        await self._client.set(key, value, px=max(1, int(ttl_seconds * 1000)))

    async def increment_many(self, counters: Mapping[str, float]) -> None:
        if counters:
            ttls = [max(1, int(ttl * 1000)) for ttl in counters.values()]
            await self._increment_all(keys=list(counters), args=ttls)


def redis_url(value: str) -> str:
    """A redis:// URL, from a URL or a bare host[:port] (the seed's `REDIS_URL=127.0.0.1`)."""
    return value if "://" in value else f"redis://{value}"
