"""`Idempotency-Key` on `POST /api/v1/posts`, as API.md gives it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.infra.db.tables import posts
from tests.api.conftest import Api, assert_problem, make_container, signed_up
from tests.databases import ScratchDatabase, create_mariadb_database, drop_database
from tests.served import served as serving

BODY = {"title": "Hello", "body": "World", "tags": ["a"]}


async def post_with_key(
    client: httpx.AsyncClient, auth: dict[str, str], key: str, body: dict[str, Any] = BODY
) -> httpx.Response:
    headers = {name.encode(): value.encode() for name, value in auth.items()}
    headers[b"Idempotency-Key"] = key.encode("latin-1")  # as sent, even when not ASCII
    return await client.post("/api/v1/posts", json=body, headers=headers)


class TestIdempotencyKey:
    async def test_a_retry_returns_the_first_response_and_creates_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        first = await post_with_key(client, auth, "retry-1")
        again = await post_with_key(client, auth, "retry-1", {**BODY, "tags": ["a", "a"]})

        listing = (await client.get("/api/v1/posts")).json()
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert listing["total"] == 1

    async def test_the_same_key_with_another_body_is_422_and_changes_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        await post_with_key(client, auth, "k")

        other = await post_with_key(client, auth, "k", {**BODY, "title": "Other"})

        assert_problem(other, 422)
        assert (await client.get("/api/v1/posts")).json()["total"] == 1

    @pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve"])
    async def test_a_malformed_key_is_422(self, client: httpx.AsyncClient, key: str) -> None:
        auth = await signed_up(client)

        response = await post_with_key(client, auth, key)

        assert_problem(response, 422)
        assert (await client.get("/api/v1/posts")).json()["total"] == 0

    async def test_without_a_key_every_post_is_new(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        for _ in range(2):
            assert (await client.post("/api/v1/posts", json=BODY, headers=auth)).status_code == 201

        assert (await client.get("/api/v1/posts")).json()["total"] == 2


@pytest.fixture
async def own_mariadb() -> AsyncIterator[ScratchDatabase]:
    """A database of this test's own: it commits for real."""
    database = await create_mariadb_database()
    yield database
    await drop_database(database)


@pytest.mark.mariadb
class TestConcurrentRetries:
    async def test_retries_racing_through_two_app_instances_create_one_post(
        self, own_mariadb: ScratchDatabase
    ) -> None:
        """Two apps with their own pools on one database, as two processes would be."""
        async with (
            serving(make_container(own_mariadb.url)) as one,
            serving(make_container(own_mariadb.url)) as other,
        ):
            auth = await signed_up(one.client, "racer@example.com")
            clients = [one.client, other.client] * 6
            responses = await asyncio.gather(
                *(post_with_key(client, auth, "race") for client in clients)
            )
            settled = await post_with_key(other.client, auth, "race")
            stored = await _posts_of(one, settled.json()["author_id"])

        statuses = sorted({response.status_code for response in responses})
        created = {response.json()["id"] for response in responses if response.status_code == 201}
        assert set(statuses) <= {201, 409}
        assert created == {settled.json()["id"]}
        assert settled.status_code == 201
        assert stored == 1


async def _posts_of(api: Api, author_id: str) -> int:
    engine = api.container.write_engine()
    async with engine.connect() as connection:
        query = select(func.count()).select_from(posts).where(posts.c.author_id == author_id)
        return int((await connection.execute(query)).scalar_one())
