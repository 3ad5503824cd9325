"""Several API processes on one MariaDB and one Redis, as production runs them.

Two independent uvicorn processes prove that nothing is process-local that should not
be: a write through one is read, and its cache entries invalidated, through the other.
`gunicorn -c gunicorn.conf.py` (what `make serve-prod` runs) proves the workers share
one port and one set of metrics, and stop gracefully on SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.databases import ScratchDatabase, create_mariadb_database, drop_database, redis_prefix
from tests.e2e.servers import (
    ROOT,
    environment,
    free_port,
    migrate,
    start_uvicorn,
    wait_until_live,
)

pytestmark = pytest.mark.mariadb

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


@pytest.fixture
async def mariadb() -> AsyncIterator[ScratchDatabase]:
    database = await create_mariadb_database(with_schema=False)
    yield database
    await drop_database(database)


def shared_environment(database: ScratchDatabase, redis_url: str, **extra: str) -> dict[str, str]:
    return environment(
        {
            "DATABASE_URL": database.url,
            "REDIS_URL": redis_url,
            "CACHE_PREFIX": redis_prefix(),
            "JWT_SECRET": SECRET,
            "ARGON2_MEMORY_KIB": "1024",
            "ARGON2_TIME_COST": "1",
            **extra,
        }
    )


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=60)[0]
    assert process.returncode in (0, -signal.SIGTERM), output
    return output


async def signed_up(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    password = "long enough password"
    created = await client.post(
        "/api/v1/users", json={"email": email, "password": password, "display_name": "Op"}
    )
    assert created.status_code == 201, created.text
    token = await client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


class TestTwoProcesses:
    async def test_a_write_through_one_is_seen_and_invalidates_the_cache_of_the_other(
        self, mariadb: ScratchDatabase, redis_url: str, tmp_path: Path
    ) -> None:
        env = shared_environment(mariadb, redis_url)
        migrate(env, tmp_path)
        one, first = start_uvicorn(env, tmp_path)
        other, second = start_uvicorn(env, tmp_path)
        try:
            async with (
                httpx.AsyncClient(base_url=one, timeout=10) as writer,
                httpx.AsyncClient(base_url=other, timeout=10) as reader,
            ):
                auth = await signed_up(writer, "writer@example.com")
                created = await writer.post(
                    "/api/v1/posts", json={"title": "v1", "body": "b", "tags": ["x"]}, headers=auth
                )
                path = created.headers["location"]
                for _ in range(2):  # the second read is served from the shared cache
                    assert (await reader.get(path)).json()["title"] == "v1"
                    listing = (await reader.get("/api/v1/posts", params={"tag": "x"})).json()
                    assert [item["title"] for item in listing["items"]] == ["v1"]

                patched = await writer.patch(path, json={"title": "v2"}, headers=auth)
                assert patched.status_code == 200, patched.text

                again = await reader.get(path)
                listing = (await reader.get("/api/v1/posts", params={"tag": "x"})).json()
        finally:
            outputs = [stop(first), stop(second)]

        assert (again.json()["title"], again.json()["version"]) == ("v2", 2)
        assert [item["title"] for item in listing["items"]] == ["v2"]
        assert all("Traceback" not in output for output in outputs), outputs


def counter_pids(directory: Path) -> set[str]:
    return {path.stem.split("_")[-1] for path in directory.glob("counter_*.db")}


def requests_served(exposition: str, route: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels.get("route") == route
    )


def start_gunicorn(env: dict[str, str]) -> subprocess.Popen[str]:
    """What `make serve-prod` runs, from the project's root (its `gunicorn.conf.py`)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "app.main:app", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


class TestServeProd:
    async def test_workers_share_the_port_and_the_metrics_and_stop_gracefully(
        self, mariadb: ScratchDatabase, redis_url: str, tmp_path: Path
    ) -> None:
        metrics_dir = tmp_path / "metrics"
        port = free_port()
        env = shared_environment(
            mariadb,
            redis_url,
            WEB_CONCURRENCY="2",
            PORT=str(port),
            PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
            # A sign-in slow enough (about 2 s) to be in flight at SIGTERM.
            ARGON2_MEMORY_KIB="65536",
            ARGON2_TIME_COST="32",
        )
        migrate(env, tmp_path)
        master = start_gunicorn(env)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_live(base, master)
            sent = 0
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:

                async def served_so_far() -> float:
                    scrape = await client.get("/metrics", headers={"Connection": "close"})
                    return requests_served(scrape.text, "/health/live")

                before = await served_so_far()  # the readiness probes
                # New connections, until both workers have answered some.
                while (len(counter_pids(metrics_dir)) < 2 or sent < 20) and sent < 1000:
                    response = await client.get("/health/live", headers={"Connection": "close"})
                    assert response.status_code == 200
                    sent += 1
                assert len(counter_pids(metrics_dir)) == 2, "one worker took every connection"
                scrapes = [await served_so_far() for _ in range(6)]
                password = "long enough password"
                created = await client.post(
                    "/api/v1/users",
                    json={"email": "slow@example.com", "password": password, "display_name": "S"},
                )
                assert created.status_code == 201
                sign_in = asyncio.create_task(
                    client.post(
                        "/api/v1/auth/token",
                        data={"username": "slow@example.com", "password": password},
                        headers={"Connection": "close"},
                    )
                )
                await asyncio.sleep(0.6)  # the worker has it and is hashing
                master.send_signal(signal.SIGTERM)
                terminated_at = time.monotonic()
                signed_in = await sign_in
                answered_at = time.monotonic()
            output = master.communicate(timeout=60)[0]
        finally:
            if master.poll() is None:
                master.kill()
                master.communicate(timeout=10)

        # Whichever worker answered a scrape, it counted the requests of both.
        assert scrapes == [before + sent] * 6, output
        assert signed_in.status_code == 200, output  # in flight at SIGTERM: finished
        assert answered_at - terminated_at > 0.2, output
        assert master.returncode == 0, output
        assert output.count("Application shutdown complete") == 2, output
        assert "Traceback" not in output, output
        assert not list(metrics_dir.glob("gauge_livesum_*.db"))  # the dead report nothing
