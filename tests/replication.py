"""A MariaDB primary and its replica, started for the tests from the installed server.

Each server gets a data directory of its own under a temporary folder, a spare port and
no password; the primary writes a binary log and the replica follows it by GTID. The
machine's shared MariaDB is never touched. `pause()` stops the replica applying what
it receives (the IO thread keeps fetching), so a test can make the replica lag on
purpose; `resume()` lets it catch up.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql  # type: ignore[import-untyped]
import pytest

from tests.databases import IN_CI
from tests.e2e.servers import free_port

SERVER = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
INSTALL = shutil.which("mariadb-install-db") or "/usr/bin/mariadb-install-db"
DATABASE = "app"
REPLICATION_USER = "replicator"
REPLICATION_PASSWORD = "replication-only-test-password"
START_TIMEOUT = 60.0


@dataclass
class Server:
    name: str
    port: int
    directory: Path
    process: subprocess.Popen[bytes]

    def connect(self, database: str | None = None) -> Any:
        return pymysql.connect(
            host="127.0.0.1", port=self.port, user="root", database=database, autocommit=True
        )

    def execute(self, *statements: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run the statements (`args` go to the last one); the rows of the last one."""
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                for statement in statements[:-1]:
                    cursor.execute(statement)
                cursor.execute(statements[-1], args or None)
                return list(cursor.fetchall())
        finally:
            connection.close()

    def url(self, database: str = DATABASE) -> str:
        return f"mysql+aiomysql://root@127.0.0.1:{self.port}/{database}?charset=utf8mb4"

    def log(self) -> str:
        error_log = self.directory / "error.log"
        return error_log.read_text(errors="replace")[-3000:] if error_log.exists() else ""


def _start(name: str, root: Path, server_id: int, *options: str) -> Server:
    directory = root / name
    directory.mkdir()
    install = subprocess.run(  # noqa: S603
        [
            INSTALL,
            "--no-defaults",
            f"--datadir={directory / 'data'}",
            "--user=root",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if install.returncode != 0:
        raise RuntimeError(f"mariadb-install-db failed: {install.stderr[-2000:]}")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            SERVER,
            "--no-defaults",
            f"--datadir={directory / 'data'}",
            "--user=root",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--socket={directory / 'mysqld.sock'}",
            f"--pid-file={directory / 'mysqld.pid'}",
            f"--log-error={directory / 'error.log'}",
            f"--server-id={server_id}",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(name, port, directory, process)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited at start: {server.log()}")
        try:
            server.execute("SELECT 1")
            return server
        except pymysql.err.OperationalError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"{name} did not answer: {server.log()}") from None
            time.sleep(0.1)


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@dataclass
class ReplicatedPair:
    primary: Server
    replica: Server

    def pause(self) -> None:
        """The replica keeps receiving the primary's changes but applies none."""
        self.replica.execute("STOP SLAVE SQL_THREAD")

    def resume(self) -> None:
        self.replica.execute("START SLAVE SQL_THREAD")
        self.wait_caught_up()

    def wait_caught_up(self, timeout: float = 30.0) -> None:
        """Until the replica has applied everything the primary has written."""
        ((position,),) = self.primary.execute("SELECT @@gtid_binlog_pos")
        rows = self.replica.execute(f"SELECT MASTER_GTID_WAIT('{position}', {timeout})")
        if rows[0][0] != 0:
            raise AssertionError(f"the replica did not reach {position}: {self.replica.log()}")


def _binaries_or_skip() -> None:
    missing = [path for path in (SERVER, INSTALL) if not Path(path).exists()]
    if missing:
        reason = f"MariaDB server binaries not installed: {', '.join(missing)}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)


@contextmanager
def replicated_mariadb() -> Iterator[ReplicatedPair]:
    """A primary and a replica following it, with the database `app` on both."""
    _binaries_or_skip()
    root = Path(tempfile.mkdtemp(prefix="replication-"))
    servers: list[Server] = []
    try:
        primary = _start("primary", root, 1, "--log-bin=binlog", "--binlog-format=ROW")
        servers.append(primary)
        replica = _start("replica", root, 2, "--read-only", "--relay-log=relay")
        servers.append(replica)
        primary.execute(
            f"CREATE USER '{REPLICATION_USER}'@'127.0.0.1' IDENTIFIED BY '{REPLICATION_PASSWORD}'",
            f"GRANT REPLICATION SLAVE ON *.* TO '{REPLICATION_USER}'@'127.0.0.1'",
        )
        replica.execute(
            f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={primary.port}, "
            f"MASTER_USER='{REPLICATION_USER}', MASTER_PASSWORD='{REPLICATION_PASSWORD}', "
            "MASTER_USE_GTID=slave_pos",
            "START SLAVE",
        )
        primary.execute(f"CREATE DATABASE {DATABASE}")
        pair = ReplicatedPair(primary, replica)
        pair.wait_caught_up()
        yield pair
    finally:
        for server in reversed(servers):
            _stop(server)
        shutil.rmtree(root, ignore_errors=True)
