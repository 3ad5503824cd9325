"""Comments stay fresh: no cached list is stale after a write, an author reads their own
write whatever the replica lags, and the stats count each user's current comments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy import event

from tests.api.comment_requests import comments_url, create_comment
from tests.api.conftest import Api, create_post, make_container, register, sign_in, signed_up
from tests.databases import (
    ScratchDatabase,
    create_sqlite_database,
    drop_database,
    redis_prefix,
    rolled_back,
)
from tests.served import served


@pytest.fixture(params=["memory", "redis"])
def cache_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The result cache in the process, or in Redis."""
    if request.param == "memory":
        return {}
    redis_url: str = request.getfixturevalue("redis_url")
    return {"cache_backend": "redis", "redis_url": redis_url, "cache_prefix": redis_prefix()}


@pytest.fixture
async def cached_api(
    cache_settings: dict[str, Any], database: ScratchDatabase
) -> AsyncIterator[Api]:
    """The app with its result cache, on rolled-back storage, consumers off."""
    container = make_container(database.url, **cache_settings)
    async with rolled_back(database) as bound:
        container.write_session_factory.override(providers.Object(bound.session_factory))
        container.read_connection_factory.override(providers.Object(bound.connect))
        container.primary_read_connection_factory.override(providers.Object(bound.connect))
        container.outbox_relay.override(providers.Object(None))
        async with served(container) as api:
            yield api


async def _page(client: httpx.AsyncClient, post_id: str) -> tuple[int, list[str]]:
    """What an anonymous reader sees: no token, so no read-your-writes, only the cache."""
    page = (await client.get(comments_url(post_id))).json()
    return page["total"], [item["id"] for item in page["items"]]


class TestNoStaleList:
    async def test_creates_and_deletes_show_at_once_to_every_reader(self, cached_api: Api) -> None:
        client = cached_api.client
        ada, bob = await signed_up(client, "ada@example.com"), await signed_up(client, "b@x.io")
        post = await create_post(client, ada)
        assert await _page(client, post["id"]) == (0, [])

        first = await create_comment(client, bob, post["id"])
        assert await _page(client, post["id"]) == (1, [first["id"]])
        second = await create_comment(client, ada, post["id"])
        assert await _page(client, post["id"]) == (2, [first["id"], second["id"]])
        one = f"{comments_url(post['id'])}/{first['id']}"
        assert (await client.get(one)).status_code == 200

        await client.delete(one, headers=bob)

        assert await _page(client, post["id"]) == (1, [second["id"]])
        assert (await client.get(one)).status_code == 404

    async def test_deleting_the_post_makes_its_cached_comments_404(self, cached_api: Api) -> None:
        client = cached_api.client
        ada = await signed_up(client)
        post = await create_post(client, ada)
        comment = await create_comment(client, ada, post["id"])
        one = f"{comments_url(post['id'])}/{comment['id']}"
        await _page(client, post["id"])
        await client.get(one)

        await client.delete(f"/api/v1/posts/{post['id']}", headers=ada)

        assert (await client.get(comments_url(post["id"]))).status_code == 404
        assert (await client.get(one)).status_code == 404

    async def test_deleting_a_post_without_comments_makes_its_cached_list_404(
        self, cached_api: Api
    ) -> None:
        client = cached_api.client
        ada = await signed_up(client)
        post = await create_post(client, ada)
        assert await _page(client, post["id"]) == (0, [])

        await client.delete(f"/api/v1/posts/{post['id']}", headers=ada)

        assert (await client.get(comments_url(post["id"]))).status_code == 404


class TestCacheHit:
    async def test_a_repeated_list_opens_no_database_connection(self, committed_api: Api) -> None:
        client = committed_api.client
        auth = await signed_up(client)
        post = await create_post(client, auth)
        await create_comment(client, auth, post["id"])
        checkouts: list[str] = []
        for name in ("write_engine", "read_engine"):
            engine = getattr(committed_api.container, name)()
            event.listen(engine.sync_engine, "checkout", lambda *args, n=name: checkouts.append(n))

        miss = (await client.get(comments_url(post["id"]))).json()
        misses = list(checkouts)
        checkouts.clear()
        hit = (await client.get(comments_url(post["id"]))).json()

        assert misses
        assert checkouts == []
        assert hit == miss


@pytest.fixture
async def lagging_api(fresh_database: ScratchDatabase, tmp_path: Path) -> AsyncIterator[Api]:
    """Reads go to a replica that never catches up: a database with the schema, no rows."""
    replica = await create_sqlite_database(tmp_path, "replica.db")
    container = make_container(
        fresh_database.url, database_read_url=replica.url, read_your_writes_seconds=5
    )
    try:
        async with served(container) as api:
            yield api
    finally:
        await drop_database(replica)


class TestReadYourWrites:
    async def test_the_author_sees_a_new_and_a_deleted_comment_the_replica_lacks(
        self, lagging_api: Api
    ) -> None:
        client = lagging_api.client
        auth = await signed_up(client)
        post = await create_post(client, auth)
        comment = await create_comment(client, auth, post["id"])
        url = comments_url(post["id"])

        own = (await client.get(url, headers=auth)).json()
        own_one = await client.get(f"{url}/{comment['id']}", headers=auth)
        await client.delete(f"{url}/{comment['id']}", headers=auth)
        after_delete = (await client.get(url, headers=auth)).json()
        anonymous = await client.get(url)

        assert own["items"] == [comment]
        assert own_one.json() == comment
        assert (after_delete["total"], after_delete["items"]) == (0, [])
        assert anonymous.status_code == 404  # the replica has not even the post


async def _stats(api: Api, user_id: str) -> dict[str, Any]:
    await api.settled()
    stats: dict[str, Any] = (await api.client.get(f"/api/v1/users/{user_id}/stats")).json()
    return stats


class TestCommentCount:
    async def test_the_count_follows_creates_and_deletes(self, committed_api: Api) -> None:
        client = committed_api.client
        ada_id = (await register(client, "ada@example.com"))["id"]
        bob_id = (await register(client, "bob@example.com"))["id"]
        ada, bob = (
            await sign_in(client, "ada@example.com"),
            await sign_in(client, "bob@example.com"),
        )
        post = await create_post(client, ada)
        mine = [await create_comment(client, bob, post["id"]) for _ in range(3)]
        await create_comment(client, ada, post["id"])

        after_creates = await _stats(committed_api, bob_id)
        await client.delete(f"{comments_url(post['id'])}/{mine[0]['id']}", headers=bob)
        after_delete = await _stats(committed_api, bob_id)

        assert (after_creates["comment_count"], after_creates["post_count"]) == (3, 0)
        assert after_delete["comment_count"] == 2
        assert (await _stats(committed_api, ada_id))["comment_count"] == 1

    async def test_deleting_a_post_lowers_the_count_of_everyone_who_commented_on_it(
        self, committed_api: Api
    ) -> None:
        client = committed_api.client
        ada_id = (await register(client, "ada@example.com"))["id"]
        bob_id = (await register(client, "bob@example.com"))["id"]
        ada, bob = (
            await sign_in(client, "ada@example.com"),
            await sign_in(client, "bob@example.com"),
        )
        post, other = await create_post(client, ada), await create_post(client, ada)
        for target in (post, post, other):
            await create_comment(client, bob, target["id"])
        await create_comment(client, ada, post["id"])
        assert (await _stats(committed_api, bob_id))["comment_count"] == 3

        await client.delete(f"/api/v1/posts/{post['id']}", headers=ada)

        bob_after, ada_after = (
            await _stats(committed_api, bob_id),
            await _stats(committed_api, ada_id),
        )
        assert bob_after["comment_count"] == 1
        assert (ada_after["comment_count"], ada_after["post_count"]) == (0, 1)
