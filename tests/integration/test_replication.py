"""Read routing on real replication: a MariaDB primary and a replica started for these tests.

The service's write engine points at the primary and its read engine at the replica.
With the replica paused, a new post is on the primary only: queries read the replica
(an anonymous reader does not see it yet), commands wrote the primary, and its author
reads it at once (read-your-writes).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from app.infra.db.tables import metadata
from tests.api.conftest import Api, create_post, make_container, signed_up
from tests.replication import ReplicatedPair, replicated_mariadb
from tests.served import served as serving

pytestmark = pytest.mark.mariadb


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicatedPair]:
    with replicated_mariadb() as servers:
        yield servers


@pytest.fixture
async def api(pair: ReplicatedPair) -> AsyncIterator[Api]:
    engine = create_async_engine(pair.primary.url())
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.run_sync(metadata.create_all)
    await engine.dispose()
    pair.wait_caught_up()
    container = make_container(pair.primary.url(), database_read_url=pair.replica.url())
    async with serving(container) as served:
        yield served


def post_on(server_rows: list[tuple[object, ...]]) -> bool:
    return bool(server_rows and server_rows[0][0])


class TestReadRouting:
    async def test_queries_read_the_replica_commands_write_the_primary(
        self, api: Api, pair: ReplicatedPair
    ) -> None:
        auth = await signed_up(api.client)
        pair.wait_caught_up()
        pair.pause()
        try:
            post = await create_post(api.client, auth, title="Lagging", tags=["lag"])
            exists = "SELECT COUNT(*) FROM app.posts WHERE id = %s"
            on_primary = post_on(pair.primary.execute(exists, args=(post["id"],)))
            on_replica = post_on(pair.replica.execute(exists, args=(post["id"],)))

            anonymous = await api.client.get(f"/api/v1/posts/{post['id']}")
            anonymous_list = (await api.client.get("/api/v1/posts", params={"tag": "lag"})).json()
            author = await api.client.get(f"/api/v1/posts/{post['id']}", headers=auth)
            author_list = (
                await api.client.get("/api/v1/posts", params={"tag": "lag"}, headers=auth)
            ).json()
        finally:
            pair.resume()
        caught_up = await api.client.get(f"/api/v1/posts/{post['id']}")

        assert (on_primary, on_replica) == (True, False)
        assert anonymous.status_code == 404  # the replica does not have it yet
        assert (anonymous_list["total"], anonymous_list["items"]) == (0, [])
        assert author.status_code == 200  # its author reads the primary
        assert author.json()["title"] == "Lagging"
        assert author_list["total"] == 1
        assert [item["id"] for item in author_list["items"]] == [post["id"]]
        assert caught_up.status_code == 200

    async def test_the_read_engine_is_the_replica_and_refuses_writes(
        self, api: Api, pair: ReplicatedPair
    ) -> None:
        read_engine = api.container.read_engine()
        async with read_engine.connect() as connection:
            port = (await connection.exec_driver_sql("SELECT @@port")).scalar_one()
            with pytest.raises(Exception, match=r"(?i)read.only"):
                await connection.exec_driver_sql("CREATE TABLE app.nope (id int)")

        assert port == pair.replica.port
        assert api.container.write_engine().url.port == pair.primary.port
