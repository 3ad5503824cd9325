"""Test databases: a SQLite file and a MariaDB database per test session, and
per-test isolation by an outer transaction that is rolled back at the end.

Inside a test, both units of work run on one connection that holds the outer
transaction: a unit of work's commit releases a savepoint, its rollback rolls the
savepoint back, and the test's end rolls everything back, so no test sees another's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.infra.db.engines import build_engine
from app.infra.db.tables import metadata


def _mariadb_url() -> str:
    url = make_url(
        os.environ.get(
            "TEST_MARIADB_URL", "mysql+aiomysql://root@127.0.0.1:3306/test?charset=utf8mb4"
        )
    )
    driver = os.environ.get("TEST_MARIADB_DRIVER", "").strip()
    if driver:
        url = url.set(drivername=f"mysql+{driver}")
    return url.render_as_string(hide_password=False)


MARIADB_URL = _mariadb_url()
"""TEST_MARIADB_URL, on the driver TEST_MARIADB_DRIVER names when set (aiomysql, asyncmy)."""
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
MARIADB_DRIVER = make_url(MARIADB_URL).drivername
"""`mysql+aiomysql` or `mysql+asyncmy`: `make test` runs the MariaDB tests on each."""
UNREACHABLE_MARIADB_URL = f"{MARIADB_DRIVER}://nobody@127.0.0.1:9/none"
"""A MariaDB URL on the suite's driver, for a port where nothing listens."""

ENGINE_OPTIONS: dict[str, Any] = {
    "pool_size": 5,
    "max_overflow": 5,
    "pool_timeout": 5.0,
    "pool_recycle": 1800,
}


@dataclass(frozen=True)
class ScratchDatabase:
    """A database made for this test session: its URL and a writing engine on it."""

    url: str
    engine: AsyncEngine
    dialect: str


def sqlite_url(directory: Path, name: str = "test.db") -> str:
    return f"sqlite+aiosqlite:///{directory / name}"


async def create_sqlite_database(directory: Path, name: str = "test.db") -> ScratchDatabase:
    url = sqlite_url(directory, name)
    engine = build_engine(url, read_only=False, **ENGINE_OPTIONS)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return ScratchDatabase(url=url, engine=engine, dialect="sqlite")


async def mariadb_server_or_skip() -> None:
    """Skip (or, in CI, fail) with a clear reason when no MariaDB server answers."""
    engine = build_engine(MARIADB_URL, read_only=False, **ENGINE_OPTIONS)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        reason = f"MariaDB is not reachable at {make_url(MARIADB_URL).render_as_string()}: {error}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        await engine.dispose()


async def create_mariadb_database(*, with_schema: bool = True) -> ScratchDatabase:
    await mariadb_server_or_skip()
    name = f"test_app_{uuid.uuid4().hex[:12]}"
    server = build_engine(MARIADB_URL, read_only=False, **ENGINE_OPTIONS)
    async with server.begin() as connection:
        await connection.execute(
            text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    await server.dispose()
    url = make_url(MARIADB_URL).set(database=name).render_as_string(hide_password=False)
    engine = build_engine(url, read_only=False, **ENGINE_OPTIONS)
    if with_schema:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
    return ScratchDatabase(url=url, engine=engine, dialect="mariadb")


async def drop_database(database: ScratchDatabase) -> None:
    await database.engine.dispose()
    if database.dialect == "mariadb":
        server = build_engine(MARIADB_URL, read_only=False, **ENGINE_OPTIONS)
        name = make_url(database.url).database
        async with server.begin() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await server.dispose()


async def session_status(connection: AsyncConnection, name: str) -> int:
    """A MariaDB session status counter of this connection (`Com_rollback`, ...)."""
    query = text("SHOW SESSION STATUS LIKE :name").bindparams(name=name)
    return int((await connection.execute(query)).one()[1])


@dataclass(frozen=True)
class BoundStorage:
    """Session factory and read connections that all live inside one outer transaction."""

    session_factory: async_sessionmaker[AsyncSession]
    connect: Callable[[], AbstractAsyncContextManager[AsyncConnection]]
    connection: AsyncConnection


@asynccontextmanager
async def rolled_back(database: ScratchDatabase) -> AsyncIterator[BoundStorage]:
    connection = await database.engine.connect()
    transaction = await connection.begin()

    @asynccontextmanager
    async def borrowed() -> AsyncIterator[AsyncConnection]:
        yield connection

    try:
        yield BoundStorage(
            session_factory=async_sessionmaker(
                bind=connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
                autoflush=False,
            ),
            connect=borrowed,
            connection=connection,
        )
    finally:
        await transaction.rollback()
        await connection.close()


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_PREFIX = f"test-{uuid.uuid4().hex[:8]}"
"""Every Redis key this run writes starts with it; the session removes them at the end."""


def redis_prefix() -> str:
    """A key prefix of one test's own, under the run's prefix."""
    return f"{RUN_PREFIX}-{uuid.uuid4().hex[:8]}"


async def remove_run_keys() -> None:
    """Delete the keys this run left on the test Redis (no error when it is not there)."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        batch = [key async for key in client.scan_iter(match=f"{RUN_PREFIX}-*", count=1000)]
        for start in range(0, len(batch), 500):
            await client.delete(*batch[start : start + 500])
    except (RedisError, OSError):
        return
    finally:
        await client.aclose()


async def redis_server_or_skip() -> str:
    """The test Redis URL; skip (or, in CI, fail) with the reason when it does not answer."""
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        await client.ping()
    except Exception as error:
        reason = f"Redis is not reachable at {REDIS_URL}: {error}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        await client.aclose()
    return REDIS_URL
