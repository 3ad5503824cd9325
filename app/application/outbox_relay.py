"""The outbox relay: publishes committed events and marks them sent.

After each commit the unit of work rings the outbox bell with the ids it wrote, and the
bell hands them to the relay; the relay publishes them in a background task, so the
response does not wait. Kicks that arrive while it is busy queue up and go out together
in its next batch: one read, one publication of the batch and one update marking it
sent, however many commits fed it. A periodic sweep publishes whatever is still unsent
after a while (a crash or a broker outage between commit and publish), so no committed
event is lost. A row is marked sent only once the publisher has it (the broker
confirmed it, or the in-process consumers handled it); a row that fails stays unsent and
does not hold back the others. After a failure, commits leave publishing to the sweep
for a few seconds, so a broker outage never piles up work behind requests. Publishing
twice is harmless: consumers are idempotent. Each batch is traced (`outbox.relay`,
`outbox.sweep`), and each event's publication continues the trace of its commit.

An event whose consumers keep failing (a poison event) is not retried forever: each
failed delivery is counted, and at `max_attempts` the event is dead. A dead event is
logged once, counted in the metrics, never deleted, and delivered again only once an
operator returns it (`python -m app.operations`).

The relay reads and marks the outbox through write units of work (`uow.outbox`), so it
always relays the storage the events were committed to: replacing `write_uow` in a test
replaces the relay's storage too.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from app.application.clock import Clock
from app.application.ports.messaging import EventPublisher, OutboxKick
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.application.tracing import span
from app.domain.events import DomainEvent

logger = logging.getLogger(__name__)
SWEEP_BATCH = 100
PAUSE_AFTER_FAILURE = timedelta(seconds=10)
"""After a failed publish, commits stop publishing for this long and leave it to the sweep."""
DRAIN_SECONDS = 10.0


class OutboxBell:
    """Between the commits that write events and the relay that publishes them.

    Commits ring it (`kick`); it hands the ids to the relay that `relay()` gives at that
    moment (built on first use, an override's, or None: the sweep sends them later).
    Resolving the relay at each ring is the lazy edge that breaks the cycle
    commit -> relay -> in-process consumers -> commit.
    """

    def __init__(self, relay: Callable[[], OutboxKick | None]) -> None:
        self._relay = relay

    def kick(self, event_ids: Sequence[str]) -> None:
        relay = self._relay()
        if relay is not None:
            relay.kick(event_ids)


class OutboxRelay:
    def __init__(
        self,
        write_uow: WriteUnitOfWorkFactory,
        publisher: EventPublisher,
        *,
        sweep_after_seconds: float,
        clock: Clock,
        max_attempts: int,
    ) -> None:
        self._write_uow = write_uow
        self._max_attempts = max_attempts
        self._publisher = publisher
        self._sweep_after = timedelta(seconds=sweep_after_seconds)
        self._clock = clock
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queued: dict[str, None] = {}
        self._runner: asyncio.Task[None] | None = None
        self._paused_until = datetime.min.replace(tzinfo=UTC)

    def kick(self, event_ids: Sequence[str]) -> None:
        if self._clock() < self._paused_until:
            return  # publishing failed a moment ago: the sweep will send these
        self._queued.update(dict.fromkeys(event_ids))
        if self._runner is None or self._runner.done():
            self._runner = self._start(self._publish_queued())

    def _start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        # A context of its own: the publication belongs to no request, no actor and
        # no unit of work of the commit that kicked it.
        task = asyncio.get_running_loop().create_task(work, context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _publish_queued(self) -> None:
        while self._queued:
            batch = list(itertools.islice(self._queued, SWEEP_BATCH))
            for event_id in batch:
                del self._queued[event_id]
            try:
                with span("outbox.relay", {"messaging.batch.message_count": len(batch)}):
                    async with self._write_uow() as uow:
                        events = await uow.outbox.unsent(batch)
                    await self._send(events)
            except Exception:
                logger.warning("events not published yet; the sweep will send them", exc_info=True)

    async def sweep(self) -> int:
        """Publish events left unsent for longer than the sweep delay; how many were sent."""
        cutoff = self._clock() - self._sweep_after
        with span("outbox.sweep") as sweeping:
            async with self._write_uow() as uow:
                events = await uow.outbox.due(before=cutoff, limit=SWEEP_BATCH)
            sweeping.set_attribute("messaging.batch.message_count", len(events))
            return await self._send(events)

    async def _send(self, events: Sequence[DomainEvent]) -> int:
        """Publish the events and mark those handed over as sent; one that fails stays
        unsent without holding back the others."""
        if not events:
            return 0
        sent = await self._publisher.publish(events)
        handed_over = set(sent)
        failed = [event.event_id for event in events if event.event_id not in handed_over]
        if failed:
            self._paused_until = self._clock() + PAUSE_AFTER_FAILURE
        if sent or failed:
            async with self._write_uow() as uow:
                if sent:
                    await uow.outbox.mark_sent(sent, at=self._clock())
                died = await uow.outbox.failed(
                    failed, at=self._clock(), max_attempts=self._max_attempts
                )
                await uow.commit()
            for event_id in died:
                logger.error(
                    "event %s is dead after %d failed deliveries; it stays in the outbox",
                    event_id,
                    self._max_attempts,
                )
        return len(sent)

    async def backlog(self) -> tuple[int, float, int]:
        """How many events wait unsent, how long (seconds) the oldest has waited, and how
        many are dead."""
        async with self._write_uow() as uow:
            backlog = await uow.outbox.backlog()
        oldest = backlog.oldest_unsent
        age = 0.0 if oldest is None else (self._clock() - oldest).total_seconds()
        return backlog.unsent, max(0.0, age), backlog.dead

    async def put_back(self, event_id: str) -> None:
        """Return a published event to the outbox, unsent: its consumers gave up on it for
        now. It counts as a failed delivery, so a poison event dies in the end."""
        async with self._write_uow() as uow:
            died = await uow.outbox.returned(
                event_id, at=self._clock(), max_attempts=self._max_attempts
            )
            await uow.commit()
        if died:
            logger.error(
                "event %s is dead after %d failed deliveries; it stays in the outbox",
                event_id,
                self._max_attempts,
            )

    async def drain(self, timeout_seconds: float = DRAIN_SECONDS) -> None:
        """Wait for the publications in flight, up to a deadline (what is left stays in
        the outbox for the next sweep)."""
        deadline = asyncio.get_running_loop().time() + timeout_seconds
        while self._tasks:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
                return
            await asyncio.wait(list(self._tasks), timeout=remaining)


@asynccontextmanager
async def sweeping(relay: OutboxRelay | None, interval_seconds: float) -> AsyncIterator[None]:
    """Sweeps the outbox every interval while open; on leaving, lets publications finish."""
    if relay is None:
        yield
        return
    if interval_seconds <= 0:
        try:
            yield
        finally:
            await relay.drain()
        return

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                await relay.sweep()
            except Exception:
                logger.warning("outbox sweep failed; trying again later", exc_info=True)

    task = asyncio.get_running_loop().create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await relay.drain()
