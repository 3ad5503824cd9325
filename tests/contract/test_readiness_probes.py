"""The readiness probes against real servers, absent ones, and ones that never answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.infra.cache.probes import RedisProbe
from app.infra.cache.selection import build_redis_client
from app.infra.db.probes import EngineProbe
from app.infra.messaging.celery_app import create_celery
from app.infra.messaging.probes import BrokerProbe
from app.infra.settings import Settings
from tests.contract.probe_servers import (
    broker_url_or_skip,
    closed_port,
    silent_server,
    turns_while_pending,
)
from tests.databases import ScratchDatabase

CONNECT_TIMEOUT = 0.3
GUARD_SECONDS = 30
"""Only for a probe without a deadline of its own, which would otherwise wait forever:
the probes' own timeouts must raise long before (their errors, not TimeoutError)."""


def _settings(**values: Any) -> Settings:
    return Settings.embedded(app_profile="test", **values)


@asynccontextmanager
async def _redis_probe(url: str) -> AsyncIterator[RedisProbe]:
    client = build_redis_client(_settings(cache_backend="redis", redis_url=url))
    assert client is not None
    try:
        yield RedisProbe(name="cache", client=client)
    finally:
        await client.aclose()


@pytest.fixture
async def reachable_redis(redis_url: str) -> AsyncIterator[RedisProbe]:
    async with _redis_probe(redis_url) as probe:
        yield probe


@pytest.fixture
async def unreachable_redis() -> AsyncIterator[RedisProbe]:
    async with _redis_probe(f"redis://127.0.0.1:{closed_port()}/0") as probe:
        yield probe


def _broker_probe(url: str, celery: Any = None) -> BrokerProbe:
    celery = celery or create_celery(_settings(celery_broker_url=url))
    return BrokerProbe(name="broker", celery=celery, connect_timeout_seconds=CONNECT_TIMEOUT)


class TestEngineProbe:
    def test_a_database_is_essential(self, sqlite_database: ScratchDatabase) -> None:
        assert EngineProbe(name="write_database", engine=sqlite_database.engine).essential


class TestRedisProbe:
    def test_the_cache_is_not_essential(self, unreachable_redis: RedisProbe) -> None:
        assert not unreachable_redis.essential

    async def test_a_reachable_redis_answers(self, reachable_redis: RedisProbe) -> None:
        await reachable_redis.check()

    async def test_nothing_listening_is_an_error(self, unreachable_redis: RedisProbe) -> None:
        with pytest.raises(RedisConnectionError):
            await unreachable_redis.check()

    async def test_a_server_that_never_answers_is_an_error_within_the_cache_timeout(
        self,
    ) -> None:
        async with (
            silent_server() as server,
            _redis_probe(f"redis://127.0.0.1:{server.port}/0") as probe,
        ):
            with pytest.raises(RedisTimeoutError):
                await asyncio.wait_for(probe.check(), GUARD_SECONDS)


class TestBrokerProbe:
    def test_the_broker_is_not_essential(self) -> None:
        assert not _broker_probe(f"amqp://guest:guest@127.0.0.1:{closed_port()}//").essential

    async def test_a_reachable_broker_answers_and_its_connection_is_closed(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        url = broker_url_or_skip()
        celery = create_celery(_settings(celery_broker_url=url))
        opened: list[Any] = []
        connect = celery.connection_for_write

        def recording(*args: Any, **kwargs: Any) -> Any:
            opened.append(connect(*args, **kwargs))
            return opened[-1]

        monkeypatch.setattr(celery, "connection_for_write", recording)

        await _broker_probe(url, celery).check()

        assert len(opened) == 1
        assert not opened[0].connected

    async def test_nothing_listening_is_an_error_at_once(self) -> None:
        probe = _broker_probe(f"amqp://guest:guest@127.0.0.1:{closed_port()}//")

        with pytest.raises(OperationalError, match="refused"):
            await asyncio.wait_for(probe.check(), GUARD_SECONDS)

    async def test_a_broker_refusing_the_credentials_is_an_error(self) -> None:
        address = urlsplit(broker_url_or_skip())
        probe = _broker_probe(f"amqp://nobody:wrong@{address.hostname}:{address.port or 5672}//")

        with pytest.raises(Exception, match="ACCESS_REFUSED"):
            await probe.check()

    async def test_a_broker_that_never_speaks_is_an_error_within_the_connect_timeout(
        self,
    ) -> None:
        async with silent_server() as server:
            probe = _broker_probe(f"amqp://guest:guest@127.0.0.1:{server.port}//")

            with pytest.raises(OperationalError, match="timed out"):
                await asyncio.wait_for(probe.check(), GUARD_SECONDS)

            assert await server.all_closed()

    async def test_waiting_for_a_silent_broker_does_not_block_the_event_loop(self) -> None:
        async with silent_server() as server:
            probe = _broker_probe(f"amqp://guest:guest@127.0.0.1:{server.port}//")
            check = asyncio.ensure_future(probe.check())

            turns = await turns_while_pending(check)

            assert check.exception() is not None
            assert turns > 0  # the loop served others while the probe waited
