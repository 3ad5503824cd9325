"""Real processes and servers for messaging tests: a Celery worker, an SMTP server, and a
TCP proxy that can cut the API off from the broker."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from kombu.connection import Connection

ROOT = Path(__file__).resolve().parents[2]
BROKER_HOST, BROKER_PORT = "127.0.0.1", 5672
BROKER_URL = os.environ.get("TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")


@dataclass
class MailBox:
    """An SMTP server's received mail; `hold` makes the next delivery wait for `release`."""

    received: list[str] = field(default_factory=list)
    delivering: threading.Event = field(default_factory=threading.Event)
    _hold: threading.Event | None = None
    _refuse_held: bool = False

    def hold_next(self) -> None:
        self._hold = threading.Event()

    def release(self, *, refuse: bool) -> None:
        """Let the held delivery (waiting, or still to come) finish, or refuse it."""
        self._refuse_held = refuse
        if self._hold is not None:
            self._hold.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.delivering.set()
        hold = self._hold
        if hold is not None:
            await asyncio.to_thread(hold.wait, 30)
            self._hold = None  # only this delivery was held
            if self._refuse_held:
                return "451 try again later"
        message = message_from_bytes(envelope.content)
        self.received.append(str(message["To"]))
        return "250 OK"


@contextlib.contextmanager
def smtp_server(port: int) -> Iterator[MailBox]:
    box = MailBox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Worker:
    process: subprocess.Popen[str]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_worker(env: dict[str, str], log: Path, timeout: float = 60) -> Worker:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "app.worker",
        "worker",
        # A node name of its own: another worker on this broker (a developer's, another
        # test run's) never shares its control queue.
        f"--hostname=test-{uuid.uuid4().hex}@%h",
        "--pool=solo",
        "--loglevel=info",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    handle = log.open("w")
    process = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, text=True
    )
    worker = Worker(process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if " ready." in worker.output():
            return worker
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"the worker did not start:\n{worker.output()}")


def remove_queue(name: str) -> None:
    """Delete a test's own queue from the broker, so a run leaves nothing behind."""
    with Connection(BROKER_URL, connect_timeout=5) as connection:  # type: ignore[no-untyped-call]
        connection.default_channel.queue_delete(name)


def stop_worker(worker: Worker, *, kill: bool = False) -> None:
    if worker.process.poll() is None:
        worker.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    worker.process.wait(timeout=30)


class BrokerLink:
    """A TCP proxy to the broker that can be cut (as if the broker stopped) and restored."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(BROKER_HOST, BROKER_PORT)
        self._writers.update({writer, upstream_writer})

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
