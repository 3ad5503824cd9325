"""The Redis cache fails open: unreachable or slow, queries still answer from storage.

The cache is built as the service builds it (`build_redis_client`, `build_cache`), so
the deadline under test is the one production has: the client's socket timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from app.application.caching import CacheKeys, ResultCache
from app.application.queries.posts import PostQueryService, PostsQuery
from app.domain.posts import Post
from app.infra.cache.guarded import GuardedCache
from app.infra.cache.selection import build_cache, build_redis_client
from app.infra.settings import Settings
from tests.contract.builders import T0
from tests.databases import redis_prefix
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeReadUnitOfWork

TIMEOUT_MS = 50
DELAY = 0.3


def _production_cache(url: str) -> tuple[GuardedCache, Redis]:
    settings = Settings.embedded(
        cache_backend="redis",
        redis_url=url,
        cache_timeout_ms=TIMEOUT_MS,
        cache_breaker_failures=3,
        cache_breaker_cooldown_seconds=30,
    )
    client = build_redis_client(settings)
    assert client is not None
    cache = build_cache(settings, client)
    assert isinstance(cache, GuardedCache)
    return cache, client


def _queries(
    cache: GuardedCache, database: FakeDatabase | None = None, prefix: str = "outage"
) -> tuple[PostQueryService, FakeDatabase]:
    if database is None:
        database = FakeDatabase()
        post = Post.create(title="t", body="b", tags=[], author_id="a", now=T0)
        database.tables.posts[post.id] = post
    service = PostQueryService(
        lambda: FakeReadUnitOfWork(database), result_cache=ResultCache(cache, CacheKeys(prefix))
    )
    return service, database


@contextlib.asynccontextmanager
async def slow_proxy(target_host: str, target_port: int) -> AsyncIterator[int]:
    """A TCP proxy on a free port that holds every chunk from the server for DELAY."""

    async def pipe(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float
    ) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while chunk := await reader.read(65536):
                await asyncio.sleep(delay)
                writer.write(chunk)
                await writer.drain()
        writer.close()

    async def handle(
        client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        server_reader, server_writer = await asyncio.open_connection(target_host, target_port)
        await asyncio.gather(
            pipe(client_reader, server_writer, 0), pipe(server_reader, client_writer, DELAY)
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        server.close()


class TestRedisOutage:
    async def test_an_unreachable_redis_is_skipped(self) -> None:
        cache, client = _production_cache("redis://127.0.0.1:9/0")
        queries, database = _queries(cache)
        try:
            pages = [await queries.get_posts(PostsQuery()) for _ in range(5)]
        finally:
            await client.aclose()

        assert [page.total for page in pages] == [1] * 5
        assert database.reads == 10
        assert cache.is_open

    async def test_a_slow_redis_counts_as_a_miss(self, redis_url: str) -> None:
        prefix = redis_prefix()
        direct_cache, direct = _production_cache(redis_url)
        fast, database = _queries(direct_cache, prefix=prefix)
        await fast.get_posts(PostsQuery())
        await fast.get_posts(PostsQuery())
        assert database.reads == 2  # the second call was a hit

        url = make_url(redis_url.replace("redis://", "mysql://"))
        async with slow_proxy(url.host or "127.0.0.1", url.port or 6379) as port:
            slow_cache, client = _production_cache(f"redis://127.0.0.1:{port}/0")
            slow, _ = _queries(slow_cache, database, prefix=prefix)
            try:
                began = time.monotonic()
                page = await slow.get_posts(PostsQuery())
                elapsed = time.monotonic() - began
            finally:
                await client.aclose()
                await direct.aclose()

        assert page.total == 1
        assert database.reads == 4  # the entry was there, but not within the deadline
        assert elapsed < DELAY  # each cache call gave up before the proxy answered
