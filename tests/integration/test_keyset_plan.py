"""MariaDB serves keyset pages with index range scans, whatever the depth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, Literal

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.application.ports.readers import PostsFilter, PostsPosition
from app.infra.db.tables import post_tags, posts, users
from app.infra.repositories.sql_posts import SqlPostReader
from tests.contract.builders import T0
from tests.databases import ScratchDatabase, create_mariadb_database, drop_database

pytestmark = pytest.mark.mariadb

AUTHORS, POSTS = 20, 4000


@pytest.fixture(scope="module")
async def seeded() -> AsyncIterator[ScratchDatabase]:
    database = await create_mariadb_database()
    authors = [
        {
            "id": f"a{n:03}",
            "email": f"a{n}@x.io",
            "email_key": f"a{n}@x.io",
            "display_name": "A",
            "password_hash": "h",
            "created_at": T0,
        }
        for n in range(AUTHORS)
    ]
    rows = [
        {
            "id": f"p{n:06}",
            "author_id": f"a{n % AUTHORS:03}",
            "title": f"title {n}",
            "title_lower": f"title {n}",
            "body": "b",
            "tags": f"t{n % 7}",
            "created_at": T0 + timedelta(seconds=n),
            "updated_at": T0 + timedelta(seconds=n),
            "version": 1,
        }
        for n in range(POSTS)
    ]
    tags = [
        {"post_id": row["id"], "tag": row["tags"], "created_at": row["created_at"]} for row in rows
    ]
    async with database.engine.begin() as connection:
        await connection.execute(insert(users), authors)
        await connection.execute(insert(posts), rows)
        await connection.execute(insert(post_tags), tags)
    async with database.engine.connect() as connection:
        for table in ("users", "posts", "post_tags"):
            await connection.execute(text(f"ANALYZE TABLE {table}"))
    yield database
    await drop_database(database)


async def _plan(
    connection: AsyncConnection, where: PostsFilter, order: Literal["asc", "desc"]
) -> list[dict[str, Any]]:
    """The executed plan (MariaDB's ANALYZE) of the reader's query for a page 90% deep."""
    statements: list[Any] = []

    class Recorder:
        async def execute(self, statement: Any, parameters: Any = None) -> Any:
            statements.append(statement if parameters is None else statement.params(parameters))
            return await connection.execute(statement, parameters)

    async def source() -> Any:
        return Recorder()

    after = PostsPosition(created_at=T0 + timedelta(seconds=POSTS * 9 // 10), id="p003600")
    await SqlPostReader(source).page(where, order=order, limit=21, after=after)
    compiled = statements[0].compile(
        connection.sync_connection, compile_kwargs={"literal_binds": True}
    )
    result = await connection.execute(text(f"ANALYZE {compiled}"))
    return [dict(row._mapping) for row in result]


class TestKeysetPlan:
    @pytest.mark.parametrize("order", ["desc", "asc"])
    @pytest.mark.parametrize(
        ("where", "table", "index"),
        [
            (PostsFilter(), "posts", "ix_posts_created_at_id"),
            (PostsFilter(author_id="a003"), "posts", "ix_posts_author_id_created_at_id"),
            (PostsFilter(tag="t3"), "post_tags", "ix_post_tags_tag_created_at_post_id"),
        ],
    )
    async def test_a_deep_page_is_an_index_range_scan(
        self,
        seeded: ScratchDatabase,
        where: PostsFilter,
        table: str,
        index: str,
        order: Literal["asc", "desc"],
    ) -> None:
        async with seeded.engine.connect() as connection:
            plan = await _plan(connection, where, order)

        driving = plan[0]
        assert (driving["table"], driving["type"], driving["key"]) == (table, "range", index)
        assert "filesort" not in str(driving["Extra"]).lower()
        assert float(driving["r_rows"]) <= 21
