"""Engines for the primary (writes) and the read database, created and disposed as resources.

The read engine runs every statement in autocommit and refuses writes at the session
level (`SET SESSION TRANSACTION READ ONLY` on MySQL/MariaDB, `PRAGMA query_only` on
SQLite), so a read never leaves a transaction to roll back when its connection goes
back to the pool, and none is sent.

The write engine's pool rolls a returned connection back only when its transaction was
not ended by the connection's own COMMIT or ROLLBACK, which is what a unit of work
always sends: a write costs no extra ROLLBACK round trip, and a connection left inside
a transaction by any other path is still reset.

Neither engine pings connections before use: a dead one fails the statement with
`StaleConnection`, and the query handler runs the read again, the command handler the
command (only when nothing was sent to commit yet). On SQLite the write engine opens
`BEGIN IMMEDIATE` transactions so writers queue instead of failing, and savepoints work.
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
_ENDED = "transaction_ended"
"""Connection info flag: the connection's own COMMIT or ROLLBACK ended its transaction."""


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
        )
    # The pool's own rollback on return is replaced: not needed at all in autocommit,
    # and on the write engine only when a transaction was left open (below).
    options["pool_reset_on_return"] = None
    if read_only:
        options["isolation_level"] = "AUTOCOMMIT"
        options["skip_autocommit_rollback"] = True
    engine = create_async_engine(url, **options)
    if not read_only:
        _reset_only_open_transactions(engine)
    if backend == "sqlite":
        _configure_sqlite(engine, read_only=read_only)
    elif backend in ("mysql", "mariadb") and read_only:
        _refuse_writes_on_mysql(engine)
    if metrics_name is not None:
        observe_pool(engine, metrics_name)
    return engine


def _reset_only_open_transactions(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.info.pop(_ENDED, None)

    @event.listens_for(sync_engine, "commit")
    @event.listens_for(sync_engine, "rollback")
    def on_end(connection: Any) -> None:
        connection.info[_ENDED] = True  # cleared again below if the COMMIT or ROLLBACK fails

    @event.listens_for(sync_engine, "handle_error")
    def on_error(context: Any) -> None:
        if context.connection is not None:
            context.connection.info.pop(_ENDED, None)

    @event.listens_for(sync_engine, "reset")
    def on_reset(dbapi_connection: Any, record: Any, state: Any) -> None:
        ended = record.info.pop(_ENDED, False)
        if state.terminate_only or not state.asyncio_safe or state.transaction_was_reset:
            return
        if not ended:
            dbapi_connection.rollback()


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
