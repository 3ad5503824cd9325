"""API tests: the real app, driven through httpx, on SQLite and on MariaDB.

The app is served by `tests/served.py`. The container is the seam: `settings` points
at the session's scratch database, and by default the session factory and read
connections are bound to one outer transaction that is rolled back after each test.
Tests that need real pools and commits (leaks, concurrency) ask for `committed_app`
instead, on a fresh database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import httpx
import pytest
from dependency_injector import providers

from containers import Container
from tests.databases import ScratchDatabase, redis_prefix, rolled_back
from tests.served import Api as Api
from tests.served import hermetic_container
from tests.served import served as serving

BACKENDS = ["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)]


def make_container(url: str, **settings: Any) -> Container:
    """A hermetic container on the database at `url`."""
    return hermetic_container(database_url=url, **settings)


@asynccontextmanager
async def two_processes(
    url: str, redis_url: str, **settings: Any
) -> AsyncIterator[tuple[Api, Api]]:
    """Two apps on one database and one Redis (under a key prefix of their own), as two
    processes of one deployment. The Redis deadline is generous: on a busy machine a
    slow call would fail open and count nothing, which these tests are not about."""
    shared = {
        "redis_url": redis_url,
        "cache_prefix": redis_prefix(),
        "cache_timeout_ms": 10_000,
        **settings,
    }
    async with (
        serving(make_container(url, **shared)) as one,
        serving(make_container(url, **shared)) as other,
    ):
        yield one, other


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest) -> ScratchDatabase:
    scratch: ScratchDatabase = request.getfixturevalue(f"{request.param}_database")
    return scratch


@pytest.fixture
async def api(database: ScratchDatabase) -> AsyncIterator[Api]:
    container = make_container(database.url)
    async with rolled_back(database) as bound:
        container.write_session_factory.override(providers.Object(bound.session_factory))
        container.read_connection_factory.override(providers.Object(bound.connect))
        container.primary_read_connection_factory.override(providers.Object(bound.connect))
        # Consumers run in background tasks: on the one shared test connection they would
        # race the test's own requests; tests of events use `committed_api`.
        container.outbox_relay.override(providers.Object(None))
        async with serving(container) as api:
            yield api


@pytest.fixture
def client(api: Api) -> httpx.AsyncClient:
    return api.client


@pytest.fixture
def threadpool_hops(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[Any]]:
    """Call it to start recording what runs in the threadpool (a dependency resolved
    there, say); the list it returns fills from then on."""

    def start() -> list[Any]:
        hops: list[Any] = []
        real_run_sync = anyio.to_thread.run_sync

        async def counting_run_sync(function: Any, *args: Any, **kwargs: Any) -> Any:
            hops.append(function)
            return await real_run_sync(function, *args, **kwargs)

        monkeypatch.setattr(anyio.to_thread, "run_sync", counting_run_sync)
        return hops

    return start


@pytest.fixture
async def committed_api(fresh_database: ScratchDatabase) -> AsyncIterator[Api]:
    """The app on its own engines and pools, committing for real to a fresh database."""
    async with serving(make_container(fresh_database.url)) as api:
        yield api


async def register(
    client: httpx.AsyncClient, email: str = "ada@example.com", password: str = "correct horse"
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/users", json={"email": email, "password": password, "display_name": "Ada"}
    )
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


async def sign_in(
    client: httpx.AsyncClient, email: str = "ada@example.com", password: str = "correct horse"
) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", data={"username": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def signed_up(client: httpx.AsyncClient, email: str = "ada@example.com") -> dict[str, str]:
    await register(client, email)
    return await sign_in(client, email)


async def create_post(
    client: httpx.AsyncClient, auth: dict[str, str], **fields: Any
) -> dict[str, Any]:
    body = {"title": "Hello", "body": "World", "tags": [], **fields}
    response = await client.post("/api/v1/posts", json=body, headers=auth)
    assert response.status_code == 201, response.text
    post: dict[str, Any] = response.json()
    return post


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert {"type", "title", "status", "detail", "instance"} <= problem.keys()
    return problem
