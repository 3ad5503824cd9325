"""What readiness probes meet: a port where nothing listens, a server that accepts and
never speaks, and the test broker (skipped locally when absent, required in CI)."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.databases import IN_CI

BROKER_URL = os.environ.get("TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")


def closed_port() -> int:
    """A local port that was free a moment ago: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def broker_url_or_skip() -> str:
    address = urlsplit(BROKER_URL)
    host, port = address.hostname or "127.0.0.1", address.port or 5672
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as error:
        reason = f"RabbitMQ is not reachable at {host}:{port}: {error}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return BROKER_URL


@dataclass
class SilentServer:
    port: int
    open_connections: set[asyncio.StreamWriter] = field(default_factory=set)
    _none_open: asyncio.Event = field(default_factory=asyncio.Event)

    def opened(self, writer: asyncio.StreamWriter) -> None:
        self.open_connections.add(writer)
        self._none_open.clear()

    def closed(self, writer: asyncio.StreamWriter) -> None:
        self.open_connections.discard(writer)
        if not self.open_connections:
            self._none_open.set()

    async def all_closed(self, within_seconds: float = 2.0) -> bool:
        """Whether every client has hung up, waiting up to `within_seconds` for it."""
        try:
            await asyncio.wait_for(self._none_open.wait(), within_seconds)
        except TimeoutError:
            return False
        return True


@asynccontextmanager
async def silent_server() -> AsyncIterator[SilentServer]:
    """A TCP server that accepts every connection, reads what it is sent and never answers."""
    found: SilentServer | None = None

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert found is not None
        found.opened(writer)
        try:
            await reader.read()  # until the client hangs up
        finally:
            found.closed(writer)
            writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    found = SilentServer(port=server.sockets[0].getsockname()[1])
    try:
        yield found
    finally:
        server.close()
        for writer in list(found.open_connections):
            writer.close()
        await server.wait_closed()


async def turns_while_pending(awaitable: asyncio.Future[Any]) -> int:
    """How many times another task ran while `awaitable` was still pending: none when it
    holds the event loop for its whole wait."""
    turns = 0
    while not awaitable.done():
        await asyncio.sleep(0.01)
        turns += not awaitable.done()
    return turns
