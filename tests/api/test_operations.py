"""Liveness and readiness."""

from __future__ import annotations

import httpx
from dependency_injector import providers

from app.infra.db.engines import build_engine
from tests.api.conftest import Api, assert_problem


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
        unreachable = build_engine(
            "mysql+aiomysql://nobody@127.0.0.1:9/none",
            read_only=True,
            pool_size=1,
            max_overflow=0,
            pool_timeout=1,
            pool_recycle=60,
        )
        api.container.read_engine.override(providers.Object(unreachable))
        try:
            response = await api.client.get("/health/ready")
        finally:
            api.container.read_engine.reset_override()
            await unreachable.dispose()

        problem = assert_problem(response, 503)
        assert "read_database" in problem["detail"]
        assert "nobody" not in response.text
