"""Events in SQL: the outbox the write unit of work fills, and consumers' handled events."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.events import DomainEvent
from app.infra.db.engines import READS_ONLY_OPTION
from app.infra.db.tables import handled_events, outbox
from app.infra.messaging.event_codec import decode, encode

logger = logging.getLogger(__name__)


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
        for event in events:
            kind, payload = encode(event)
            rows.append(
                {
                    "id": event.event_id,
                    "type": kind,
                    "payload": payload,
                    "occurred_at": event.occurred_at,
                }
            )
        await self._session.execute(insert(outbox), rows)

    async def unsent(self, event_ids: Sequence[str]) -> list[DomainEvent]:
        if not event_ids:
            return []
        await self._reading()
        return await self._events(
            select(outbox.c.id, outbox.c.type, outbox.c.payload)
            .where(outbox.c.id.in_(list(event_ids)), outbox.c.sent_at.is_(None))
            .order_by(outbox.c.occurred_at, outbox.c.id)
        )

    async def due(self, *, before: datetime, limit: int) -> list[DomainEvent]:
        await self._reading()
        return await self._events(
            select(outbox.c.id, outbox.c.type, outbox.c.payload)
            .where(outbox.c.sent_at.is_(None), outbox.c.occurred_at < before)
            .order_by(outbox.c.occurred_at, outbox.c.id)
            .limit(limit)
        )

    async def _events(self, query: Any) -> list[DomainEvent]:
        events = []
        for row in (await self._session.execute(query)).all():
            try:
                events.append(decode(row.type, row.payload))
            except ValueError:
                logger.error("event %s of unknown type %r stays in the outbox", row.id, row.type)
        return events

    async def mark_sent(self, event_ids: Sequence[str], *, at: datetime) -> None:
        await self._session.execute(
            update(outbox)
            .where(outbox.c.id.in_(list(event_ids)), outbox.c.sent_at.is_(None))
            .values(sent_at=at)
        )

    async def mark_unsent(self, event_id: str) -> None:
        await self._session.execute(
            update(outbox).where(outbox.c.id == event_id).values(sent_at=None)
        )

    async def backlog(self) -> tuple[int, datetime | None]:
        query = select(func.count(), func.min(outbox.c.occurred_at)).where(
            outbox.c.sent_at.is_(None)
        )
        await self._reading()
        unsent, oldest = (await self._session.execute(query)).one()
        return int(unsent), oldest


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
