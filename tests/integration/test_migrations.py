"""Migrations from the CLI: up, down to nothing, up again, and no drift from the tables."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from app.domain.identity import utc_now
from tests.databases import (
    ScratchDatabase,
    create_mariadb_database,
    drop_database,
    sqlite_url,
)
from tests.fakes.units_of_work import NO_EFFECTS

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC = [sys.executable, "-m", "alembic"]


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path, "migrations.db")
        return
    scratch: ScratchDatabase = await create_mariadb_database(with_schema=False)
    yield scratch.url
    await drop_database(scratch)


def _alembic(url: str, *command: str) -> str:
    result = subprocess.run(  # noqa: S603  (our own CLI, fixed arguments)
        [*ALEMBIC, "-x", f"url={url}", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


async def _tables(url: str) -> set[str]:
    from app.infra.db.engines import build_engine
    from tests.databases import ENGINE_OPTIONS

    engine = build_engine(url, read_only=False, **ENGINE_OPTIONS)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


class TestMigrations:
    async def test_up_down_up_leaves_no_drift(self, empty_database: str) -> None:
        _alembic(empty_database, "upgrade", "head")
        assert await _tables(empty_database) == {
            "users",
            "posts",
            "post_tags",
            "refresh_tokens",
            "outbox",
            "handled_events",
            "user_stats",
            "idempotency_keys",
            "comments",
        }

        _alembic(empty_database, "downgrade", "base")
        assert await _tables(empty_database) == set()

        _alembic(empty_database, "upgrade", "head")
        output = _alembic(empty_database, "check")
        assert "No new upgrade operations detected" in output

    async def test_refresh_tokens_issued_before_families_keep_working(
        self, empty_database: str
    ) -> None:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import async_sessionmaker

        from app.infra.db.engines import build_engine
        from app.infra.db.units_of_work import SqlWriteUnitOfWork
        from tests.databases import ENGINE_OPTIONS

        _alembic(empty_database, "upgrade", "0003")
        engine = build_engine(empty_database, read_only=False, **ENGINE_OPTIONS)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text(
                        "INSERT INTO users (id, email, email_key, display_name, password_hash,"
                        " created_at) VALUES ('u1', 'a@x.io', 'a@x.io', 'A', 'h',"
                        " '2026-01-01 00:00:00')"
                    )
                )
                await connection.execute(
                    text(
                        "INSERT INTO refresh_tokens (id, user_id, expires_at)"
                        " VALUES ('old-token', 'u1', '2099-01-01 00:00:00')"
                    )
                )
            _alembic(empty_database, "upgrade", "head")
            sessions = async_sessionmaker(bind=engine, expire_on_commit=False)
            async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
                use = await uow.refresh_tokens.use("old-token", now=utc_now())
        finally:
            await engine.dispose()

        assert use is not None
        assert (use.user_id, use.first) == ("u1", True)


class TestEmailIdentityMigration:
    async def test_every_account_stays_reachable_when_forms_of_one_mailbox_collide(
        self, empty_database: str
    ) -> None:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import async_sessionmaker

        from app.infra.db.engines import build_engine
        from app.infra.db.units_of_work import SqlWriteUnitOfWork
        from tests.databases import ENGINE_OPTIONS

        nfc, nfd, other = "ren\u00e9@example.com", "rene\u0301@example.com", "Bob@Example.com"
        _alembic(empty_database, "upgrade", "0006")
        engine = build_engine(empty_database, read_only=False, **ENGINE_OPTIONS)
        try:
            async with engine.begin() as connection:
                for user_id, email, at in [
                    ("u1", nfd, "2026-01-01 00:00:00"),
                    ("u2", nfc, "2026-01-02 00:00:00"),
                    ("u3", other, "2026-01-03 00:00:00"),
                ]:
                    await connection.execute(
                        text(
                            "INSERT INTO users (id, email, email_key, display_name,"
                            " password_hash, created_at) VALUES (:id, :email, :key, 'U', 'h', :at)"
                        ),
                        {"id": user_id, "email": email, "key": email.lower(), "at": at},
                    )
            _alembic(empty_database, "upgrade", "head")
            sessions = async_sessionmaker(bind=engine, expire_on_commit=False)
            async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
                by_nfd = await uow.users.get_by_email(nfd)
                by_nfc = await uow.users.get_by_email(nfc)
                by_other = await uow.users.get_by_email("bob@example.com")
                by_full_width = await uow.users.get_by_email("\uff42\uff4f\uff42@example.com")
        finally:
            await engine.dispose()

        # The account whose key did not change keeps the mailbox; the other keeps its
        # earlier key and is reached with the address as it registered it.
        assert (by_nfd and by_nfd.id, by_nfc and by_nfc.id) == ("u1", "u2")
        assert (by_other and by_other.id, by_full_width and by_full_width.id) == ("u3", "u3")
