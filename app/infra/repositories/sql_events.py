"""Events in SQL: the outbox the write unit of work fills, and consumers' handled events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.events import DomainEvent
from app.infra.db.tables import handled_events, outbox
from app.infra.messaging.event_codec import encode


async def write_outbox(session: AsyncSession, events: Sequence[DomainEvent]) -> None:
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
    await session.execute(insert(outbox), rows)


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
