"""Building the configured cache: memory, Redis behind a guard, or none."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from app.application.caching import CacheKeys, ResultCache
from app.application.ports.cache import Cache
from app.infra.cache.guarded import GuardedCache
from app.infra.cache.memory import MemoryCache
from app.infra.cache.redis import RedisCache, redis_url
from app.infra.observability import count_cache_lookup
from app.infra.settings import Settings


def build_redis_client(settings: Settings) -> Redis | None:
    """The process's Redis client, when Redis is the cache (no connection until used).

    Short timeouts and no retries: a slow or absent Redis must cost a request a few
    milliseconds, not the library's default seconds; the cache fails open above this.
    """
    if settings.cache_in_use != "redis":
        return None
    timeout = settings.cache_timeout_ms / 1000
    return Redis.from_url(
        redis_url(settings.redis_url.get_secret_value()),
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        max_connections=settings.redis_max_connections,
    )


def build_cache(settings: Settings, client: Redis | None) -> Cache | None:
    if settings.cache_in_use == "memory":
        return MemoryCache(max_entries=settings.cache_memory_max_entries)
    if client is not None:
        return GuardedCache(
            RedisCache(client),
            timeout_seconds=None,  # the client's socket timeouts are the deadline (above)
            failures_to_open=settings.cache_breaker_failures,
            cooldown_seconds=settings.cache_breaker_cooldown_seconds,
        )
    return None


def build_result_cache(settings: Settings, cache: Cache | None) -> ResultCache | None:
    if cache is None:
        return None
    return ResultCache(cache, CacheKeys(settings.cache_prefix), observe=count_cache_lookup)


COUNT_CACHE_ENTRIES = 1024


def build_count_cache(settings: Settings, results: ResultCache | None) -> ResultCache:
    """Where list totals are kept: the result cache, or, with caching off, a small
    cache of this process's own (nothing invalidates it, so its entries simply expire)."""
    if results is not None:
        return results
    return ResultCache(
        MemoryCache(max_entries=COUNT_CACHE_ENTRIES), CacheKeys(settings.cache_prefix)
    )
