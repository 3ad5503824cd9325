"""Publishing events as Celery tasks (task id = event id)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context

from celery import Celery

from app.domain.events import DomainEvent
from app.infra.messaging.celery_app import HANDLE_EVENT
from app.infra.messaging.event_codec import encode
from app.infra.tracing import publishing

CONFIRM_TIMEOUT_SECONDS = 5
logger = logging.getLogger(__name__)


class CeleryPublisher:
    """kombu publishes with blocking I/O: it runs on threads of its own, so a slow or
    absent broker never takes the threads that hash passwords. No retries here: an
    unsent event stays in the outbox and the sweep sends it once the broker is back."""

    def __init__(self, celery: Celery) -> None:
        self._celery = celery
        self._threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="publish")

    async def publish(self, events: Sequence[DomainEvent]) -> list[str]:
        """One task per event, each confirmed by the broker before the next is sent."""
        loop = asyncio.get_running_loop()
        sent: list[str] = []
        for event in events:
            kind, payload = encode(event)
            # A copy of this context per event (the relay's or sweep's span, which the
            # publish span links to): what one send leaves in its context stays there.
            here = copy_context()
            try:
                await loop.run_in_executor(
                    self._threads, here.run, self._send, event, kind, payload
                )
            except Exception:
                logger.warning(
                    "event %s (%s) not published; it stays in the outbox",
                    event.event_id,
                    kind,
                    exc_info=True,
                )
                continue
            sent.append(event.event_id)
        return sent

    def _send(self, event: DomainEvent, kind: str, payload: str) -> None:
        with publishing([event]):  # its trace goes in the message's headers
            self._celery.send_task(
                HANDLE_EVENT,
                args=[kind, payload],
                task_id=event.event_id,
                retry=False,
                confirm_timeout=CONFIRM_TIMEOUT_SECONDS,
            )
