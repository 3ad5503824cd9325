"""The write engine keeps values out of error messages, resets only what a unit of work
left open, and a command on a connection the server dropped runs again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.application.handlers import CommandService, command_handler
from app.domain.errors import StaleConnection
from app.infra.db.engines import build_engine
from app.infra.db.tables import users
from app.infra.db.units_of_work import SqlWriteUnitOfWork
from tests.contract.builders import T0
from tests.databases import (
    ENGINE_OPTIONS,
    MARIADB_DRIVER,
    ScratchDatabase,
    create_mariadb_database,
    drop_database,
    session_status,
)
from tests.fakes.units_of_work import NO_EFFECTS


def a_user(number: int, *, secret: str = "") -> dict[str, Any]:
    address = f"{secret}user-{number}@example.com"
    return {
        "id": f"u{number}",
        "email": address,
        "email_key": address,
        "display_name": "A",
        "password_hash": f"$argon2id${secret}hash",
        "created_at": T0,
    }


class TestWriteEngine:
    async def test_a_failed_statement_does_not_show_its_parameters(
        self, fresh_database: ScratchDatabase
    ) -> None:
        row = a_user(1, secret="secret-")
        async with fresh_database.engine.begin() as connection:
            await connection.execute(insert(users).values(**row))

        with pytest.raises(IntegrityError) as raised:
            async with fresh_database.engine.begin() as connection:
                await connection.execute(insert(users).values(**row))

        assert "secret-hash" not in str(raised.value)
        assert "secret-user" not in str(raised.value)


class Registrations(CommandService):
    """Inserts a user row through the write unit of work, counting its runs."""

    runs = 0

    @command_handler
    async def add(self, row: dict[str, Any]) -> None:
        self.runs += 1
        session = cast(SqlWriteUnitOfWork, self.uow).session
        await session.execute(insert(users).values(**row))


@pytest.mark.mariadb
class TestWriteConnections:
    @pytest.fixture
    async def database(self) -> AsyncIterator[ScratchDatabase]:
        database = await create_mariadb_database()
        yield database
        await drop_database(database)

    @pytest.fixture
    async def engine(self, database: ScratchDatabase) -> AsyncIterator[AsyncEngine]:
        """A write engine of one pooled connection, so every checkout gets the same one."""
        options = {**ENGINE_OPTIONS, "pool_size": 1, "max_overflow": 0}
        engine = build_engine(database.url, read_only=False, **options)
        yield engine
        await engine.dispose()

    async def test_the_engine_runs_on_the_driver_the_suite_names(self, engine: AsyncEngine) -> None:
        assert f"mysql+{engine.dialect.driver}" == MARIADB_DRIVER

    async def test_a_committed_write_returns_its_connection_without_a_rollback(
        self, engine: AsyncEngine
    ) -> None:
        sessions = async_sessionmaker(bind=engine, expire_on_commit=False)
        async with engine.begin() as connection:
            before = await session_status(connection, "Com_rollback")
        for number in range(3):
            async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
                await uow.session.execute(insert(users).values(**a_user(number)))
                await uow.commit()
        async with engine.begin() as connection:
            after = await session_status(connection, "Com_rollback")
            count = (await connection.execute(select(func.count()).select_from(users))).scalar()

        assert after == before
        assert count == 3

    async def test_a_write_that_fails_is_rolled_back_by_its_unit_of_work(
        self, engine: AsyncEngine
    ) -> None:
        sessions = async_sessionmaker(bind=engine, expire_on_commit=False)
        with pytest.raises(IntegrityError):
            async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
                await uow.session.execute(insert(users).values(**a_user(1)))
                await uow.session.execute(insert(users).values(**a_user(1)))
        async with engine.begin() as connection:
            count = (await connection.execute(select(func.count()).select_from(users))).scalar()

        assert count == 0

    async def test_a_connection_returned_inside_a_transaction_is_rolled_back(
        self, engine: AsyncEngine
    ) -> None:
        async with engine.connect() as connection:  # a transaction SQLAlchemy never saw
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.query(
                "INSERT INTO users (id, email, email_key, display_name, password_hash,"
                " created_at) VALUES ('u9', 'x@example.com', 'x@example.com', 'X', 'h',"
                " '2026-01-01 00:00:00')"
            )
        async with engine.begin() as connection:  # the same pooled connection commits
            count = (await connection.execute(select(func.count()).select_from(users))).scalar()

        assert count == 0

    async def test_a_command_on_a_connection_the_server_dropped_runs_again(
        self, engine: AsyncEngine, database: ScratchDatabase
    ) -> None:
        sessions = async_sessionmaker(bind=engine, expire_on_commit=False)
        await _kill_the_pooled_connection(engine, database)
        service = Registrations(lambda: SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS))

        await service.add(a_user(1))

        async with engine.begin() as connection:
            count = (await connection.execute(select(func.count()).select_from(users))).scalar()
        assert count == 1
        assert service.runs == 2

        await _kill_the_pooled_connection(engine, database)
        with pytest.raises(StaleConnection):  # without the handler, the dead one fails
            async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
                await uow.session.execute(insert(users).values(**a_user(2)))


async def _kill_the_pooled_connection(engine: AsyncEngine, database: ScratchDatabase) -> None:
    async with engine.connect() as connection:
        pooled_id = (await connection.execute(text("SELECT CONNECTION_ID()"))).scalar_one()
    admin = build_engine(database.url, read_only=False, **ENGINE_OPTIONS)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f"KILL CONNECTION {int(pooled_id)}"))
    finally:
        await admin.dispose()
