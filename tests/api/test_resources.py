"""Explicit session management: no request keeps a connection, shutdown closes the pools."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from tests.api.conftest import Api, create_post, make_container, signed_up
from tests.databases import ScratchDatabase
from tests.served import served as serving


def _checked_out(api: Api) -> dict[str, int]:
    engines: dict[str, AsyncEngine] = {
        "write": api.container.write_engine(),
        "read": api.container.read_engine(),
    }
    return {name: _pool(engine).checkedout() for name, engine in engines.items()}


def _pool(engine: AsyncEngine) -> QueuePool:
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    return pool


class TestConnections:
    async def test_no_connection_stays_checked_out_after_any_request(
        self, committed_api: Api
    ) -> None:
        client = committed_api.client
        auth = await signed_up(client)
        post = await create_post(client, auth)
        requests: list[tuple[str, str, dict[str, Any]]] = [
            ("GET", f"/api/v1/posts/{post['id']}", {}),
            ("GET", "/api/v1/posts/missing", {}),
            ("GET", "/api/v1/posts", {"params": {"cursor": "bad"}}),
            ("GET", "/api/v1/posts", {"params": {"tag": "x"}}),
            (
                "POST",
                "/api/v1/users",
                {"json": {"email": "ada@example.com", "password": "12345678", "display_name": "x"}},
            ),
            (
                "POST",
                "/api/v1/auth/token",
                {"data": {"username": "ada@example.com", "password": "wrong pw"}},
            ),
            (
                "PUT",
                f"/api/v1/posts/{post['id']}",
                {"json": {"title": "t", "body": "b"}, "headers": {**auth, "If-Match": '"stale"'}},
            ),
            ("PATCH", f"/api/v1/posts/{post['id']}", {"json": {"title": "t2"}, "headers": auth}),
            ("DELETE", f"/api/v1/posts/{post['id']}", {"headers": {}}),
            ("GET", "/health/ready", {}),
        ]
        statuses = []
        for method, url, options in requests:
            response = await client.request(method, url, **options)
            statuses.append(response.status_code)
            await committed_api.container.outbox_relay().drain()  # background consumers
            assert _checked_out(committed_api) == {"write": 0, "read": 0}, (method, url)

        assert statuses == [200, 404, 422, 200, 409, 401, 412, 200, 401, 200]

    async def test_shutdown_closes_every_pooled_connection(
        self, fresh_database: ScratchDatabase
    ) -> None:
        container = make_container(fresh_database.url)
        async with serving(container) as api:
            auth = await signed_up(api.client)
            await create_post(api.client, auth)
            await api.client.get("/api/v1/posts")
            write_pool = _pool(container.write_engine())
            read_pool = _pool(container.read_engine())
            assert write_pool.checkedin() + read_pool.checkedin() > 0

        assert (write_pool.checkedin(), read_pool.checkedin()) == (0, 0)
        assert (write_pool.checkedout(), read_pool.checkedout()) == (0, 0)
