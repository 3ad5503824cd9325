"""Engines for the primary (writes) and the read database, created and disposed as resources.

The read engine runs every statement in autocommit and refuses writes at the session
level (`SET SESSION TRANSACTION READ ONLY` on MySQL/MariaDB, `PRAGMA query_only` on
SQLite), so a read never leaves a transaction to roll back when its connection goes
back to the pool, and none is sent. It does not ping connections before use: a dead
one fails the read with `StaleConnection` and the query handler runs it again. On
SQLite the write engine opens `BEGIN IMMEDIATE` transactions so writers queue instead
of failing, and savepoints work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.infra.observability import observe_pool

SQLITE_BUSY_TIMEOUT_MS = 5000
READS_ONLY_OPTION = "reads_only"
"""Execution option: this connection of the write engine will only read (health checks)."""


def build_engine(
    url: str,
    *,
    read_only: bool,
    pool_size: int,
    max_overflow: int,
    pool_timeout: float,
    pool_recycle: int,
    echo: bool = False,
    metrics_name: str | None = None,
) -> AsyncEngine:
    """An engine; with `metrics_name`, its connections in use are counted under that name."""
    backend = make_url(url).get_backend_name()
    # hide_parameters: statement errors and logs never show values (hashes, emails, tokens).
    options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if backend == "sqlite":
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        options.update(
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            pool_recycle=pool_recycle,
            # Writes check a connection before use; reads skip that round trip and run
            # again on a fresh connection when a pooled one turns out dead.
            pool_pre_ping=not read_only,
        )
    if read_only:
        # Autocommit: no transaction to end, so no ROLLBACK round trip on release either.
        options["isolation_level"] = "AUTOCOMMIT"
        options["pool_reset_on_return"] = None
        options["skip_autocommit_rollback"] = True
    engine = create_async_engine(url, **options)
    if backend == "sqlite":
        _configure_sqlite(engine, read_only=read_only)
    elif backend in ("mysql", "mariadb") and read_only:
        _refuse_writes_on_mysql(engine)
    if metrics_name is not None:
        observe_pool(engine, metrics_name)
    return engine


def _configure_sqlite(engine: AsyncEngine, *, read_only: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    if not read_only:

        @event.listens_for(engine.sync_engine, "begin")
        def on_begin(connection: Any) -> None:
            if connection.get_execution_options().get(READS_ONLY_OPTION):
                connection.exec_driver_sql("BEGIN")
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")


def _refuse_writes_on_mysql(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        cursor.close()
