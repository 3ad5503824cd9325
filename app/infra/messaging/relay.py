"""The outbox relay: publishes committed events and marks them sent.

After each commit the unit of work kicks the relay with the ids it wrote; the relay
publishes them in a background task, so the response does not wait. Kicks that arrive
while it is busy queue up and go out together in its next batch: one read, one
publication of the batch and one update marking it sent, however many commits fed it.
A periodic sweep publishes whatever is still unsent after a while (a crash or a broker
outage between commit and publish), so no committed event is lost. A row is marked sent
only once the publisher has it (the broker confirmed it, or the in-process consumers
handled it); a row that fails stays unsent and does not hold back the others. After a
failure, commits leave publishing to the sweep for a few seconds, so a broker outage
never piles up work behind requests. Publishing twice is harmless: consumers are
idempotent.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.application.ports.messaging import EventPublisher
from app.infra.db.engines import READS_ONLY_OPTION
from app.infra.db.tables import outbox
from app.infra.messaging.event_codec import decode

logger = logging.getLogger(__name__)
SWEEP_BATCH = 100
PAUSE_AFTER_FAILURE = timedelta(seconds=10)
"""After a failed publish, commits stop publishing for this long and leave it to the sweep."""
DRAIN_SECONDS = 10.0


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        publisher: EventPublisher,
        *,
        sweep_after_seconds: float,
        clock: Callable[[], datetime],
    ) -> None:
        self._engine = engine
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
            self._runner = asyncio.get_running_loop().create_task(self._publish_queued())
            self._tasks.add(self._runner)
            self._runner.add_done_callback(self._tasks.discard)

    async def _publish_queued(self) -> None:
        while self._queued:
            batch = list(itertools.islice(self._queued, SWEEP_BATCH))
            for event_id in batch:
                del self._queued[event_id]
            query = select(outbox.c.id, outbox.c.type, outbox.c.payload).where(
                outbox.c.id.in_(batch), outbox.c.sent_at.is_(None)
            )
            try:
                await self._send(query)
            except Exception:
                logger.warning("events not published yet; the sweep will send them", exc_info=True)

    async def sweep(self) -> int:
        """Publish events left unsent for longer than the sweep delay; how many were sent."""
        cutoff = self._clock() - self._sweep_after
        query = (
            select(outbox.c.id, outbox.c.type, outbox.c.payload)
            .where(outbox.c.sent_at.is_(None), outbox.c.occurred_at < cutoff)
            .order_by(outbox.c.occurred_at)
            .limit(SWEEP_BATCH)
        )
        return await self._send(query)

    async def _send(self, query: Any) -> int:
        """Publish the rows and mark those handed over as sent; one that fails stays
        unsent without holding back the others."""
        async with self._engine.connect() as connection:
            await connection.execution_options(**{READS_ONLY_OPTION: True})
            rows = (await connection.execute(query)).all()
        events = []
        for row in rows:
            try:
                events.append(decode(row.type, row.payload))
            except ValueError:
                logger.error("event %s of unknown type %r stays in the outbox", row.id, row.type)
        if not events:
            return 0
        sent = await self._publisher.publish(events)
        if len(sent) < len(rows):
            self._paused_until = self._clock() + PAUSE_AFTER_FAILURE
        if sent:
            async with self._engine.begin() as connection:
                await connection.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(sent), outbox.c.sent_at.is_(None))
                    .values(sent_at=self._clock())
                )
        return len(sent)

    async def backlog(self) -> tuple[int, float]:
        """How many events wait unsent, and how long (seconds) the oldest has waited."""
        query = select(func.count(), func.min(outbox.c.occurred_at)).where(
            outbox.c.sent_at.is_(None)
        )
        async with self._engine.connect() as connection:
            await connection.execution_options(**{READS_ONLY_OPTION: True})
            unsent, oldest = (await connection.execute(query)).one()
        age = 0.0 if oldest is None else (self._clock() - oldest).total_seconds()
        return int(unsent), max(0.0, age)

    async def mark_unsent(self, event_id: str) -> None:
        """Put a published event back in the outbox: its consumers gave up on it for now."""
        async with self._engine.begin() as connection:
            await connection.execute(
                update(outbox).where(outbox.c.id == event_id).values(sent_at=None)
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
