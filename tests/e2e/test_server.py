"""The service as operators run it: migrate from the CLI, serve with uvicorn, call over TCP.

Once on the embedded defaults (no environment at all), once on MariaDB configured only
by the environment variables operators already use.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.databases import ScratchDatabase, create_mariadb_database, drop_database
from tests.e2e.servers import ROOT, environment, free_port, migrate, start_uvicorn


@contextmanager
def serving(env: dict[str, str], workdir: Path) -> Iterator[str]:
    migrate(env, workdir)
    base, server = start_uvicorn(env, workdir)
    try:
        yield base
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
        # uvicorn re-raises the signal once it has shut down cleanly
        assert server.returncode in (0, -signal.SIGTERM), output
        assert "Application shutdown complete" in output, output
        assert "Traceback" not in output, output


async def _drive(base: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        created = await client.post(
            "/api/v1/users",
            json={"email": "Op@Example.com", "password": "long enough", "display_name": "Op"},
        )
        assert created.status_code == 201, created.text
        token = await client.post(
            "/api/v1/auth/token", data={"username": "op@example.com", "password": "long enough"}
        )
        assert token.status_code == 200
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        post = await client.post(
            "/api/v1/posts", json={"title": "t", "body": "b", "tags": ["x"]}, headers=auth
        )
        assert post.status_code == 201
        fetched = await client.get(post.headers["location"])
        assert fetched.json() == post.json()
        listing = (await client.get("/api/v1/posts", params={"tag": "x"})).json()
        assert [item["id"] for item in listing["items"]] == [post.json()["id"]]
        ready = await client.get("/health/ready")
        assert ready.status_code == 200


@pytest.fixture
async def mariadb() -> AsyncIterator[ScratchDatabase]:
    database = await create_mariadb_database(with_schema=False)
    yield database
    await drop_database(database)


class TestServer:
    async def test_the_embedded_defaults_need_no_server(self, tmp_path: Path) -> None:
        with serving(environment({}), tmp_path) as base:
            await _drive(base)
        assert (tmp_path / "app.db").exists()

    @pytest.mark.mariadb
    async def test_the_seed_environment_variables_switch_to_mariadb(
        self, mariadb: ScratchDatabase, tmp_path: Path
    ) -> None:
        url = make_url(mariadb.url)
        env = environment(
            {
                "DATABASE_URL": f"{url.host}:{url.port or 3306}",
                "DATABASE_DRIVER": url.get_driver_name(),  # the suite's: aiomysql or asyncmy
                "DATABASE_USERNAME": url.username or "root",
                "DATABASE_PASSWORD": url.password or "",
                "DATABASE_NAME": url.database or "",
                "JWT_SECRET": "a-test-secret-that-is-long-enough-for-hs256",
            }
        )
        with serving(env, tmp_path) as base:
            await _drive(base)
        assert not (tmp_path / "app.db").exists()


class TestProductionProfile:
    @pytest.mark.parametrize("secret", [None, "short-but-secret-value"])
    def test_a_default_or_weak_secret_stops_the_server_from_starting(
        self, tmp_path: Path, secret: str | None
    ) -> None:
        extra = {"APP_PROFILE": "production", "DATABASE_PASSWORD": "db-password-value"}
        env = environment(extra if secret is None else {**extra, "JWT_SECRET": secret})

        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(free_port())],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        assert result.returncode != 0
        assert "JWT_SECRET must be set" in result.stderr
        assert "insecure-development-secret" not in result.stderr
        assert "short-but-secret-value" not in result.stderr
        assert "db-password-value" not in result.stderr


class TestSeveralWorkers:
    def test_a_per_process_cache_is_refused(self, tmp_path: Path) -> None:
        env = environment(
            {
                "WEB_CONCURRENCY": "2",
                "PORT": str(free_port()),
                "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
            }
        )

        result = subprocess.run(
            [sys.executable, "-m", "gunicorn", "app.main:app", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        assert result.returncode != 0
        assert "CACHE_BACKEND=memory keeps one cache per process" in result.stderr


def _raw(base: str, head: bytes) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=10)
    connection.sendall(head)
    return connection


def _read_to_close(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


class TestOversizedRequestsOverTcp:
    """The limits as a client on the network meets them: refused, and the connection
    closed, so a body that is too large is never read to its end."""

    LIMIT = 1000

    @pytest.fixture
    def base(self, tmp_path: Path) -> Iterator[str]:
        env = environment({"MAX_REQUEST_BODY_BYTES": str(self.LIMIT)})
        with serving(env, tmp_path) as address:
            yield address

    def test_an_announced_large_body_is_refused_before_it_is_sent(self, base: str) -> None:
        head = (
            b"POST /api/v1/posts HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n"
        )
        with _raw(base, head) as connection:
            answer = _read_to_close(connection)  # not one byte of the body sent

        status_line, _, rest = answer.partition(b"\r\n")
        headers, _, body = rest.partition(b"\r\n\r\n")
        assert status_line == b"HTTP/1.1 413 Request Entity Too Large"
        assert b"connection: close" in headers.lower()
        assert b"content-type: application/problem+json" in headers.lower()
        assert json.loads(body)["detail"] == f"the request body is larger than {self.LIMIT} bytes"

    def test_a_streamed_large_body_is_cut_off(self, base: str) -> None:
        head = (
            b"POST /api/v1/users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
        sent, most = 0, 200 * 1024 * 1024
        with _raw(base, head) as connection, contextlib.suppress(ConnectionError):
            while sent < most:
                connection.sendall(chunk)
                sent += len(chunk)

        assert sent < most / 10  # the server stopped reading long before the client stopped
