"""Cached reads through the API: fresh after every write, free on a hit, and an author
always reads their own write, whatever the replica lags."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy import event

from tests.api.conftest import Api, create_post, make_container, signed_up
from tests.databases import (
    ScratchDatabase,
    create_sqlite_database,
    drop_database,
    redis_prefix,
    rolled_back,
)
from tests.served import served as serving


@pytest.fixture
async def redis_api(database: ScratchDatabase, redis_url: str) -> AsyncIterator[Api]:
    container = make_container(
        database.url, cache_backend="redis", redis_url=redis_url, cache_prefix=redis_prefix()
    )
    async with rolled_back(database) as bound:
        for name in ("read_connection_factory", "primary_read_connection_factory"):
            getattr(container, name).override(providers.Object(bound.connect))
        container.write_session_factory.override(providers.Object(bound.session_factory))
        container.outbox_relay.override(providers.Object(None))
        async with serving(container) as api:
            yield api


async def _ids(client: httpx.AsyncClient, **params: Any) -> list[str]:
    page = (await client.get("/api/v1/posts", params=params)).json()
    return [item["id"] for item in page["items"]]


class TestFreshAfterWrites:
    async def test_every_write_shows_in_the_next_reads(self, redis_api: Api) -> None:
        client = redis_api.client
        auth = await signed_up(client)
        author = (await client.get("/api/v1/users/me", headers=auth)).json()["id"]
        post = await create_post(client, auth, title="v1", tags=["old"])
        url = f"/api/v1/posts/{post['id']}"
        lists = [{}, {"tag": "old"}, {"tag": "new"}, {"author_id": author}]
        assert [await _ids(client, **query) for query in lists] == [
            [post["id"]],
            [post["id"]],
            [],
            [post["id"]],
        ]
        assert (await client.get(url)).json()["title"] == "v1"

        await client.put(url, json={"title": "v2", "body": "b", "tags": ["new"]}, headers=auth)
        assert (await client.get(url)).json()["title"] == "v2"
        assert [await _ids(client, **query) for query in lists] == [
            [post["id"]],
            [],
            [post["id"]],
            [post["id"]],
        ]

        await client.patch(url, json={"title": "v3"}, headers=auth)
        assert (await client.get(url)).json()["version"] == 3

        second = await create_post(client, auth, title="second", tags=["new"])
        assert await _ids(client, tag="new") == [second["id"], post["id"]]

        await client.delete(url, headers=auth)
        assert (await client.get(url)).status_code == 404
        assert [await _ids(client, **query) for query in lists] == [
            [second["id"]],
            [],
            [second["id"]],
            [second["id"]],
        ]
        assert (await client.get("/api/v1/posts")).json()["total"] == 1


class TestCacheHit:
    async def test_a_hit_opens_no_database_connection(self, committed_api: Api) -> None:
        client = committed_api.client
        auth = await signed_up(client)
        post = await create_post(client, auth)
        checkouts: list[str] = []
        for name in ("write_engine", "read_engine"):
            engine = getattr(committed_api.container, name)()
            event.listen(engine.sync_engine, "checkout", lambda *args, n=name: checkouts.append(n))

        await client.get(f"/api/v1/posts/{post['id']}")
        await client.get("/api/v1/posts")
        misses = list(checkouts)
        checkouts.clear()
        hit = await client.get(f"/api/v1/posts/{post['id']}")
        page = await client.get("/api/v1/posts")

        assert misses
        assert checkouts == []
        assert hit.json() == post
        assert page.json()["items"] == [post]


@pytest.fixture
async def lagging_api(fresh_database: ScratchDatabase, tmp_path: Path) -> AsyncIterator[Api]:
    """Reads go to a replica that never catches up: a database with the schema, no rows."""
    replica = await create_sqlite_database(tmp_path, "replica.db")
    container = make_container(
        fresh_database.url, database_read_url=replica.url, read_your_writes_seconds=0.5
    )
    try:
        async with serving(container) as api:
            yield api
    finally:
        await drop_database(replica)


class TestReadYourWrites:
    async def test_a_new_account_is_readable_right_after_signing_in(self, lagging_api: Api) -> None:
        auth = await signed_up(lagging_api.client)

        me = await lagging_api.client.get("/api/v1/users/me", headers=auth)

        assert me.status_code == 200

    async def test_the_author_sees_the_write_the_replica_lacks(self, lagging_api: Api) -> None:
        client = lagging_api.client
        auth = await signed_up(client)
        post = await create_post(client, auth)
        url = f"/api/v1/posts/{post['id']}"

        own = await client.get(url, headers=auth)
        own_list = (await client.get("/api/v1/posts", headers=auth)).json()
        me = await client.get("/api/v1/users/me", headers=auth)
        anonymous = await client.get(url)
        await asyncio.sleep(0.6)
        own_after_window = await client.get(url, headers=auth)

        assert own.status_code == 200
        assert own_list["total"] == 1
        assert me.status_code == 200
        assert anonymous.status_code == 404
        assert own_after_window.status_code == 404
