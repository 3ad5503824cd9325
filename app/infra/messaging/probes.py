"""Readiness probe of the Celery broker."""

from __future__ import annotations

import asyncio

from celery import Celery

CONNECT_TIMEOUT_SECONDS = 1.0


class BrokerProbe:
    """Opens and closes one connection to the broker. kombu connects with blocking I/O,
    so that runs on a thread; the connect timeout (TCP and AMQP handshake) is shorter
    than the endpoint's deadline, so a thread the endpoint stopped waiting for still
    ends, and closes its connection, soon after."""

    essential = False

    def __init__(
        self, name: str, celery: Celery, connect_timeout_seconds: float = CONNECT_TIMEOUT_SECONDS
    ) -> None:
        self._name = name
        self._celery = celery
        self._connect_timeout = connect_timeout_seconds

    @property
    def name(self) -> str:
        return self._name

    async def check(self) -> None:
        await asyncio.to_thread(self._connect)

    def _connect(self) -> None:
        with self._celery.connection_for_write(connect_timeout=self._connect_timeout) as link:
            # One attempt: kombu's retries would sleep seconds between them.
            link.ensure_connection(max_retries=0)
