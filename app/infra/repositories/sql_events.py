"""Events in SQL: the outbox the write unit of work fills, and consumers' handled events."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.application.ports.messaging import DeadEvent, OutboxBacklog
from app.domain.events import DomainEvent
from app.infra.db.engines import READS_ONLY_OPTION
from app.infra.db.tables import handled_events, outbox
from app.infra.messaging.event_codec import decode, encode
from app.infra.tracing import current_trace_context

logger = logging.getLogger(__name__)


_INSERT = insert(outbox)  # built once, like every statement on the write path


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _reading(self) -> None:
        """A transaction that the relay's reads open takes no write lock (SQLite's plain
        BEGIN rather than BEGIN IMMEDIATE): reading the outbox never waits on writers."""
        if not self._session.in_transaction():
            await self._session.connection(execution_options={READS_ONLY_OPTION: True})

    async def add(self, events: Sequence[DomainEvent]) -> None:
        rows = []
        trace_context = current_trace_context()  # the commit's span, when traced
        for event in events:
            kind, payload = encode(event)
            rows.append(
                {
                    "id": event.event_id,
                    "type": kind,
                    "payload": payload,
                    "occurred_at": event.occurred_at,
                    "trace_context": trace_context,
                }
            )
        await self._session.execute(_INSERT, rows)

    async def unsent(self, event_ids: Sequence[str]) -> list[DomainEvent]:
        if not event_ids:
            return []
        await self._reading()
        return await self._events(
            select(outbox.c.id, outbox.c.type, outbox.c.payload, outbox.c.trace_context)
            .where(outbox.c.id.in_(list(event_ids)), _waiting())
            .order_by(outbox.c.occurred_at, outbox.c.id)
        )

    async def due(self, *, before: datetime, limit: int) -> list[DomainEvent]:
        await self._reading()
        return await self._events(
            select(outbox.c.id, outbox.c.type, outbox.c.payload, outbox.c.trace_context)
            .where(_waiting(), outbox.c.occurred_at < before)
            .order_by(outbox.c.occurred_at, outbox.c.id)
            .limit(limit)
        )

    async def _events(self, query: Any) -> list[DomainEvent]:
        events = []
        for row in (await self._session.execute(query)).all():
            try:
                events.append(decode(row.type, row.payload, row.trace_context))
            except ValueError:
                logger.error("event %s of unknown type %r stays in the outbox", row.id, row.type)
        return events

    async def mark_sent(self, event_ids: Sequence[str], *, at: datetime) -> None:
        await self._session.execute(
            update(outbox)
            .where(outbox.c.id.in_(list(event_ids)), outbox.c.sent_at.is_(None))
            .values(sent_at=at)
        )

    async def failed(
        self, event_ids: Sequence[str], *, at: datetime, max_attempts: int
    ) -> list[str]:
        if not event_ids:
            return []
        failing = outbox.c.id.in_(list(event_ids)) & _waiting()
        await self._session.execute(
            update(outbox).where(failing).values(attempts=outbox.c.attempts + 1)
        )
        return await self._bury(failing, at=at, max_attempts=max_attempts)

    async def returned(self, event_id: str, *, at: datetime, max_attempts: int) -> bool:
        this = (outbox.c.id == event_id) & outbox.c.dead_at.is_(None)
        await self._session.execute(
            update(outbox).where(this).values(sent_at=None, attempts=outbox.c.attempts + 1)
        )
        return bool(await self._bury(this, at=at, max_attempts=max_attempts))

    async def _bury(self, rows: Any, *, at: datetime, max_attempts: int) -> list[str]:
        """Mark dead the rows that have used up their attempts; their ids."""
        spent = rows & (outbox.c.attempts >= max_attempts)
        dying = list((await self._session.execute(select(outbox.c.id).where(spent))).scalars())
        if dying:
            await self._session.execute(
                update(outbox).where(outbox.c.id.in_(dying)).values(dead_at=at)
            )
        return dying

    async def backlog(self) -> OutboxBacklog:
        await self._reading()
        waiting = select(func.count(), func.min(outbox.c.occurred_at)).where(_waiting())
        unsent, oldest = (await self._session.execute(waiting)).one()
        dead = select(func.count()).where(outbox.c.dead_at.is_not(None))
        dead_count = (await self._session.execute(dead)).scalar_one()
        return OutboxBacklog(unsent=int(unsent), oldest_unsent=oldest, dead=int(dead_count))

    async def dead(self, *, limit: int) -> list[DeadEvent]:
        await self._reading()
        query = (
            select(
                outbox.c.id,
                outbox.c.type,
                outbox.c.occurred_at,
                outbox.c.attempts,
                outbox.c.dead_at,
            )
            .where(outbox.c.dead_at.is_not(None))
            .order_by(outbox.c.dead_at, outbox.c.id)
            .limit(limit)
        )
        rows = (await self._session.execute(query)).all()
        return [
            DeadEvent(
                id=row.id,
                type=row.type,
                occurred_at=row.occurred_at,
                attempts=row.attempts,
                dead_at=row.dead_at,
            )
            for row in rows
        ]

    async def revive(self, event_ids: Sequence[str]) -> int:
        if not event_ids:
            return 0
        result = await self._session.execute(
            update(outbox)
            .where(outbox.c.id.in_(list(event_ids)), outbox.c.dead_at.is_not(None))
            .values(dead_at=None, attempts=0, sent_at=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def _waiting() -> Any:
    """Rows still to be delivered: not sent, not dead."""
    return outbox.c.sent_at.is_(None) & outbox.c.dead_at.is_(None)


class SqlHandledEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def contains(self, consumer: str, event_id: str) -> bool:
        query = select(handled_events.c.event_id).where(
            handled_events.c.consumer == consumer, handled_events.c.event_id == event_id
        )
        return (await self._session.execute(query)).first() is not None

    async def claim_many(self, consumer: str, event_ids: Sequence[str]) -> list[str]:
        wanted = list(dict.fromkeys(event_ids))
        if not wanted:
            return []
        query = select(handled_events.c.event_id).where(
            handled_events.c.consumer == consumer, handled_events.c.event_id.in_(wanted)
        )
        seen = set((await self._session.execute(query)).scalars())
        new = [event_id for event_id in wanted if event_id not in seen]
        if new:
            rows = [{"consumer": consumer, "event_id": event_id} for event_id in new]
            await self._session.execute(insert(handled_events), rows)
        return new

    async def claim(self, consumer: str, event_id: str) -> bool:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    insert(handled_events).values(consumer=consumer, event_id=event_id)
                )
        except IntegrityError:
            return False
        return True
