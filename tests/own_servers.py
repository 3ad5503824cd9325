"""Servers the tests start for themselves, from the installed MariaDB and Redis binaries.

Each gets a spare port and a data directory under a temporary folder, and may be killed,
paused or restarted by the test that owns it: the machine's shared services, which other
tests and later runs rely on, are never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymysql
import pytest
import redis

from tests.databases import IN_CI, MARIADB_DRIVER
from tests.e2e.servers import free_port

MARIADB = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
MARIADB_INSTALL = shutil.which("mariadb-install-db") or "/usr/bin/mariadb-install-db"
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
START_TIMEOUT = 60.0


def binaries_or_skip(*paths: str) -> None:
    missing = [path for path in paths if not Path(path).exists()]
    if missing:
        reason = f"server binaries not installed: {', '.join(missing)}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)


@contextmanager
def scratch_directory(prefix: str) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _wait(ready: Any, process: subprocess.Popen[bytes], what: str, log: Any) -> None:
    """Until `ready()` succeeds; the process is killed if it never does."""
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited at start: {log()}")
            try:
                ready()
                return
            except (pymysql.err.OperationalError, redis.ConnectionError, redis.TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not answer: {log()}") from None
                time.sleep(0.1)
    except BaseException:
        _end(process, signal.SIGKILL)
        raise


def _end(process: subprocess.Popen[bytes] | None, stop: signal.Signals) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(stop)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class MariaDB:
    """A MariaDB server: `kill()` it (SIGKILL, as a crash would) and `start()` it again
    on the same port and data, which InnoDB recovers."""

    name: str
    port: int
    directory: Path
    options: tuple[str, ...]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                MARIADB,
                "--no-defaults",
                f"--datadir={self.directory / 'data'}",
                "--user=root",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--socket={self.directory / 'mysqld.sock'}",
                f"--pid-file={self.directory / 'mysqld.pid'}",
                f"--log-error={self.directory / 'error.log'}",
                "--skip-name-resolve",
                "--innodb-buffer-pool-size=64M",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
                *self.options,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(lambda: self.execute("SELECT 1"), self.process, self.name, self.log)

    def stop(self) -> None:
        _end(self.process, signal.SIGTERM)

    def kill(self) -> None:
        _end(self.process, signal.SIGKILL)

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

    def url(self, database: str = "app") -> str:
        return f"{MARIADB_DRIVER}://root@127.0.0.1:{self.port}/{database}?charset=utf8mb4"

    def log(self) -> str:
        error_log = self.directory / "error.log"
        return error_log.read_text(errors="replace")[-3000:] if error_log.exists() else ""


def start_mariadb(root: Path, name: str, *options: str) -> MariaDB:
    """A new server with its own data directory under `root`, started."""
    binaries_or_skip(MARIADB, MARIADB_INSTALL)
    directory = root / name
    directory.mkdir()
    install = subprocess.run(  # noqa: S603
        [
            MARIADB_INSTALL,
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
    server = MariaDB(name, free_port(), directory, options)
    server.start()
    return server


@dataclass
class RedisServer:
    """A Redis server without persistence: `kill()` loses its data, as a crash would;
    `pause()` freezes it (SIGSTOP): connections stay open and nothing answers."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                REDIS,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        try:
            _wait(client.ping, self.process, "redis-server", self.log)
        finally:
            client.close()

    def kill(self) -> None:
        self.resume()
        _end(self.process, signal.SIGKILL)

    def stop(self) -> None:
        self.resume()
        _end(self.process, signal.SIGTERM)

    def pause(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def start_redis(root: Path) -> RedisServer:
    binaries_or_skip(REDIS)
    directory = root / "redis"
    directory.mkdir()
    server = RedisServer(free_port(), directory)
    server.start()
    return server
