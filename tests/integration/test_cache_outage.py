"""The Redis cache fails open: unreachable or slow, queries still answer from storage."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from app.application.caching import CacheKeys, ResultCache
from app.application.queries.posts import PostQueryService, PostsQuery
from app.domain.posts import Post
from app.infra.cache.guarded import GuardedCache
from app.infra.cache.redis import RedisCache
from tests.contract.builders import T0
from tests.databases import redis_prefix
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeReadUnitOfWork

TIMEOUT = 0.05
DELAY = 0.3


def _guarded(client: Redis) -> GuardedCache:
    return GuardedCache(
        RedisCache(client), timeout_seconds=TIMEOUT, failures_to_open=3, cooldown_seconds=30
    )


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
        client = Redis.from_url(
            "redis://127.0.0.1:9/0", socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT
        )
        cache = _guarded(client)
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
        direct = Redis.from_url(redis_url)
        fast, database = _queries(_guarded(direct), prefix=prefix)
        await fast.get_posts(PostsQuery())
        await fast.get_posts(PostsQuery())
        assert database.reads == 2  # the second call was a hit

        url = make_url(redis_url.replace("redis://", "mysql://"))
        async with slow_proxy(url.host or "127.0.0.1", url.port or 6379) as port:
            client = Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_timeout=5)
            slow, _ = _queries(_guarded(client), database, prefix=prefix)
            try:
                page = await slow.get_posts(PostsQuery())
            finally:
                await client.aclose()
                await direct.aclose()

        assert page.total == 1
        assert database.reads == 4  # the entry was there, but not within the deadline
