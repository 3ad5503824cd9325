"""The read engine refuses writes; the read unit of work connects only when it reads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.application.handlers import QueryService, query_handler
from app.application.ports.readers import PostView
from app.domain.errors import StaleConnection, Unavailable
from app.infra.db.engines import build_engine
from app.infra.db.tables import users
from app.infra.db.units_of_work import SqlReadUnitOfWork
from tests.contract.builders import T0
from tests.databases import ENGINE_OPTIONS, UNREACHABLE_MARIADB_URL, ScratchDatabase, session_status


@pytest.fixture
async def read_engine(fresh_database: ScratchDatabase) -> AsyncIterator[AsyncEngine]:
    engine = build_engine(fresh_database.url, read_only=True, **ENGINE_OPTIONS)
    yield engine
    await engine.dispose()


class TestReadEngine:
    async def test_a_write_through_the_read_engine_is_refused(
        self, read_engine: AsyncEngine
    ) -> None:
        row = {
            "id": "u1",
            "email": "a@example.com",
            "email_key": "a@example.com",
            "display_name": "A",
            "password_hash": "h",
            "created_at": T0,
        }
        with pytest.raises(DBAPIError, match=r"(?i)read.only|readonly"):
            async with read_engine.connect() as connection:
                await connection.execute(insert(users).values(**row))

    async def test_a_scope_that_never_reads_opens_no_connection(
        self, read_engine: AsyncEngine
    ) -> None:
        checkouts: list[object] = []
        event.listen(read_engine.sync_engine, "checkout", lambda *args: checkouts.append(args))

        async with SqlReadUnitOfWork(read_engine.connect):
            pass
        assert checkouts == []

        async with SqlReadUnitOfWork(read_engine.connect) as uow:
            await uow.users.get("nobody")
            await uow.posts.get("nothing")
        assert len(checkouts) == 1
        assert read_engine.pool.checkedout() == 0  # type: ignore[attr-defined]

    async def test_an_unreachable_database_is_reported_as_unavailable(self) -> None:
        engine = build_engine(UNREACHABLE_MARIADB_URL, read_only=True, **ENGINE_OPTIONS)
        try:
            with pytest.raises(Unavailable):
                async with SqlReadUnitOfWork(engine.connect) as uow:
                    await uow.posts.get("any")
        finally:
            await engine.dispose()


class Views(QueryService):
    @query_handler
    async def post(self, post_id: str) -> PostView | None:
        return await self.uow.posts.get(post_id)


@pytest.mark.mariadb
class TestReadConnectionsOnMariaDB:
    @pytest.fixture
    async def read_engine(self, mariadb_database: ScratchDatabase) -> AsyncIterator[AsyncEngine]:
        options = {**ENGINE_OPTIONS, "pool_size": 1, "max_overflow": 0}
        engine = build_engine(mariadb_database.url, read_only=True, **options)
        yield engine
        await engine.dispose()

    async def test_releasing_a_read_connection_sends_no_rollback(
        self, read_engine: AsyncEngine
    ) -> None:
        async with read_engine.connect() as connection:
            before = await session_status(connection, "Com_rollback")
        for _ in range(3):
            async with SqlReadUnitOfWork(read_engine.connect) as uow:
                await uow.posts.get("nothing")
        async with read_engine.connect() as connection:
            after = await session_status(connection, "Com_rollback")

        assert after == before

    async def test_a_read_on_a_connection_the_server_dropped_runs_again(
        self, read_engine: AsyncEngine, mariadb_database: ScratchDatabase
    ) -> None:
        async with read_engine.connect() as connection:
            pooled_id = (await connection.execute(text("SELECT CONNECTION_ID()"))).scalar_one()
        async with mariadb_database.engine.connect() as admin:
            await admin.execute(text(f"KILL CONNECTION {int(pooled_id)}"))

        views = Views(lambda: SqlReadUnitOfWork(read_engine.connect))
        assert await views.post("nothing") is None

        with pytest.raises(StaleConnection):  # without the handler, the dead one fails
            async with read_engine.connect() as connection:
                pooled_id = (await connection.execute(text("SELECT CONNECTION_ID()"))).scalar_one()
            async with mariadb_database.engine.connect() as admin:
                await admin.execute(text(f"KILL CONNECTION {int(pooled_id)}"))
            async with SqlReadUnitOfWork(read_engine.connect) as uow:
                await uow.posts.get("nothing")
