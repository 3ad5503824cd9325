"""Publishing events as Celery tasks (task id = event id)."""

from __future__ import annotations

import asyncio

from celery import Celery

from app.domain.events import DomainEvent
from app.infra.messaging.celery_app import HANDLE_EVENT
from app.infra.messaging.event_codec import encode


class CeleryPublisher:
    def __init__(self, celery: Celery) -> None:
        self._celery = celery

    async def publish(self, event: DomainEvent) -> None:
        kind, payload = encode(event)
        # kombu publishes with blocking I/O; no retries here: an unsent event stays in
        # the outbox and the sweep sends it once the broker is back.
        await asyncio.to_thread(
            self._celery.send_task,
            HANDLE_EVENT,
            args=[kind, payload],
            task_id=event.event_id,
            retry=False,
        )
