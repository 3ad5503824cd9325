"""Service processes for end-to-end tests: environments, ports, migration, readiness."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
QUIET_AND_CHEAP = {
    "LOG_LEVEL": "WARNING",
    "ARGON2_MEMORY_KIB": "1024",
    "ARGON2_TIME_COST": "1",
    "REGISTRATION_LIMIT_PER_ADDRESS": "1000000",
}
"""For servers under test that are not about logs, hashing or throttling: warnings only,
cheap hashes, and every user they register comes from one address."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(extra: dict[str, str]) -> dict[str, str]:
    """A clean environment (no stray settings from the caller) plus `extra`."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env["PYTHONPATH"] = str(ROOT)
    env["ENV_FILE"] = ""  # the developer's .env in the checkout is never read
    return {**env, **extra}


def migrate(env: dict[str, str], workdir: Path) -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), "upgrade", "head"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def wait_until_live(
    base: str, process: subprocess.Popen[str], timeout: float = 30, log: IO[str] | None = None
) -> None:
    def output() -> str:
        if log is None:
            return str(process.communicate(timeout=10)[0])
        return Path(log.name).read_text(errors="replace")[-5000:]

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited: {output()}")
        try:
            if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    stop(process)
    pytest.fail(f"the server did not start: {output()}")


def stop(process: subprocess.Popen[str], timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def start_uvicorn(
    env: dict[str, str], workdir: Path, *, log: IO[str] | None = None
) -> tuple[str, subprocess.Popen[str]]:
    """One uvicorn process of the app on a free port; its base URL, once it is live.

    Its output goes to `log` when given, else to a pipe that the caller reads (and must,
    before a chatty server fills it and stalls)."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port), "--no-access-log"],
        cwd=workdir,
        env=env,
        stdout=log or subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_live(base, process, log=log)
    return base, process


@contextmanager
def served(env: dict[str, str], workdir: Path) -> Iterator[tuple[str, Path]]:
    """The database migrated and one uvicorn serving it: its base URL and its log file,
    which it writes to `workdir`; stopped on the way out."""
    migrate(env, workdir)
    log_path = workdir / "server.log"
    with log_path.open("w") as log:
        base, process = start_uvicorn(env, workdir, log=log)
        try:
            yield base, log_path
        finally:
            stop(process)
