"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import httpx
from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.infra.db.engines import build_engine
from tests.api.conftest import Api, assert_problem, make_container
from tests.contract.probe_servers import broker_url_or_skip, closed_port, silent_server
from tests.databases import UNREACHABLE_MARIADB_URL, ScratchDatabase
from tests.served import served as serving


def _unreachable() -> AsyncEngine:
    """An engine for a port where nothing listens."""
    return build_engine(
        UNREACHABLE_MARIADB_URL,
        read_only=True,
        pool_size=1,
        max_overflow=0,
        pool_timeout=1,
        pool_recycle=60,
    )


class TestHealth:
    async def test_live_is_ok(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health/live")

        assert (response.status_code, response.json()) == (200, {"status": "ok"})

    async def test_ready_reports_each_database(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health/ready")

        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "components": {"write_database": "ok", "read_database": "ok"},
        }

    async def test_ready_is_503_when_a_database_is_unreachable(self, api: Api) -> None:
        unreachable = _unreachable()
        api.container.read_engine.override(providers.Object(unreachable))
        try:
            response = await api.client.get("/health/ready")
        finally:
            api.container.read_engine.reset_override()
            await unreachable.dispose()

        problem = assert_problem(response, 503)
        assert "read_database" in problem["detail"]
        assert problem["components"] == {"write_database": "ok", "read_database": "down"}
        assert "nobody" not in response.text


DATABASES = {"write_database": "ok", "read_database": "ok"}


def _unreachable_redis() -> dict[str, Any]:
    return {"cache_backend": "redis", "redis_url": f"redis://127.0.0.1:{closed_port()}/0"}


def _broker(port: int) -> dict[str, Any]:
    return {"celery_broker_url": f"amqp://guest:guest@127.0.0.1:{port}//"}


async def _readiness(database: ScratchDatabase, **settings: Any) -> httpx.Response:
    async with serving(make_container(database.url, **settings)) as api:
        return await api.client.get("/health/ready")


class TestReadinessOfTheCache:
    async def test_an_unreachable_redis_cache_leaves_it_ready_but_degraded(
        self, database: ScratchDatabase
    ) -> None:
        response = await _readiness(database, **_unreachable_redis())

        assert response.status_code == 200
        assert response.json() == {
            "status": "degraded",
            "components": {**DATABASES, "cache": "down"},
        }

    async def test_a_reachable_redis_cache_is_ok(
        self, database: ScratchDatabase, redis_url: str
    ) -> None:
        response = await _readiness(database, cache_backend="redis", redis_url=redis_url)

        assert response.status_code == 200
        assert response.json() == {"status": "ok", "components": {**DATABASES, "cache": "ok"}}

    async def test_a_database_down_is_503_whatever_else_is_down(
        self, database: ScratchDatabase
    ) -> None:
        unreachable = _unreachable()
        container = make_container(database.url, **_unreachable_redis())
        container.read_engine.override(providers.Object(unreachable))
        try:
            async with serving(container) as api:
                response = await api.client.get("/health/ready")
        finally:
            await unreachable.dispose()

        problem = assert_problem(response, 503)
        assert problem["components"] == {
            "write_database": "ok",
            "read_database": "down",
            "cache": "down",
        }


class TestReadinessOfTheBroker:
    async def test_an_unreachable_broker_leaves_it_ready_but_degraded(
        self, fresh_database: ScratchDatabase
    ) -> None:
        response = await _readiness(fresh_database, **_broker(closed_port()))

        assert response.status_code == 200
        assert response.json() == {
            "status": "degraded",
            "components": {**DATABASES, "broker": "down"},
        }

    async def test_a_reachable_broker_is_ok(self, fresh_database: ScratchDatabase) -> None:
        url = broker_url_or_skip()

        response = await _readiness(fresh_database, celery_broker_url=url)

        assert response.status_code == 200
        assert response.json() == {"status": "ok", "components": {**DATABASES, "broker": "ok"}}

    async def test_a_broker_that_never_answers_degrades_it_within_the_deadline(
        self, fresh_database: ScratchDatabase
    ) -> None:
        async with silent_server() as broker:
            # The guard only stops a readiness that would wait forever on the broker.
            response = await asyncio.wait_for(
                _readiness(fresh_database, **_broker(broker.port)), 30
            )

        assert response.status_code == 200
        assert response.json()["status"] == "degraded"
        assert response.json()["components"]["broker"] == "down"


class TestDatabaseOutage:
    async def test_a_write_while_the_primary_is_down_is_a_503(self, api: Api) -> None:
        down = _unreachable()
        api.container.write_session_factory.override(
            providers.Object(async_sessionmaker(bind=down, expire_on_commit=False))
        )
        try:
            response = await api.client.post(
                "/api/v1/users",
                json={"email": "a@example.com", "password": "long enough", "display_name": "A"},
            )
        finally:
            api.container.write_session_factory.reset_override()
            await down.dispose()

        problem = assert_problem(response, 503)
        assert "nobody" not in response.text
        assert problem["detail"] == "the database is unavailable"

    async def test_a_read_while_the_replica_is_down_is_a_503(self, api: Api) -> None:
        down = _unreachable()
        api.container.read_connection_factory.override(providers.Object(down.connect))
        try:
            response = await api.client.get("/api/v1/posts")
        finally:
            api.container.read_connection_factory.reset_override()
            await down.dispose()

        assert_problem(response, 503)


class TestProcessTuning:
    async def test_what_start_up_built_is_frozen_while_serving_and_released_after(
        self, sqlite_database: ScratchDatabase
    ) -> None:
        gc.unfreeze()
        async with serving(make_container(sqlite_database.url, gc_freeze=True)) as api:
            assert (await api.client.get("/health/live")).status_code == 200
            frozen_while_serving = gc.get_freeze_count()

        assert frozen_while_serving > 10_000
        assert gc.get_freeze_count() == 0

    async def test_freezing_can_be_turned_off(self, sqlite_database: ScratchDatabase) -> None:
        gc.unfreeze()
        async with serving(make_container(sqlite_database.url, gc_freeze=False)) as api:
            assert (await api.client.get("/health/live")).status_code == 200
            assert gc.get_freeze_count() == 0
