"""Publishing events as Celery tasks (task id = event id)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from celery import Celery

from app.domain.events import DomainEvent
from app.infra.messaging.celery_app import HANDLE_EVENT
from app.infra.messaging.event_codec import encode

CONFIRM_TIMEOUT_SECONDS = 5


class CeleryPublisher:
    """kombu publishes with blocking I/O: it runs on threads of its own, so a slow or
    absent broker never takes the threads that hash passwords. No retries here: an
    unsent event stays in the outbox and the sweep sends it once the broker is back."""

    def __init__(self, celery: Celery) -> None:
        self._celery = celery
        self._threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="publish")

    async def publish(self, event: DomainEvent) -> None:
        kind, payload = encode(event)
        await asyncio.get_running_loop().run_in_executor(
            self._threads, self._send, event.event_id, kind, payload
        )

    def _send(self, event_id: str, kind: str, payload: str) -> None:
        self._celery.send_task(
            HANDLE_EVENT,
            args=[kind, payload],
            task_id=event_id,
            retry=False,
            confirm_timeout=CONFIRM_TIMEOUT_SECONDS,
        )
