"""Ports of messaging: kicking the outbox relay, publishing events, sending mail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from app.domain.events import DomainEvent


class Outbox(Protocol):
    """The events committed with their changes, until the relay has handed them over.

    Reached through the write unit of work (`uow.outbox`), so an outbox is always the
    one of the storage the events were committed to.
    """

    async def add(self, events: Sequence[DomainEvent]) -> None:
        """Stage the events in the current transaction."""
        ...

    async def unsent(self, event_ids: Sequence[str]) -> list[DomainEvent]:
        """Those of these events that are not marked sent yet."""
        ...

    async def due(self, *, before: datetime, limit: int) -> list[DomainEvent]:
        """Unsent events that occurred before `before`, oldest first."""
        ...

    async def mark_sent(self, event_ids: Sequence[str], *, at: datetime) -> None: ...

    async def mark_unsent(self, event_id: str) -> None:
        """Put a published event back: its consumers gave up on it for now."""
        ...

    async def backlog(self) -> tuple[int, datetime | None]:
        """How many events wait unsent, and when the oldest of them occurred."""
        ...


class OutboxKick(Protocol):
    def kick(self, event_ids: Sequence[str]) -> None:
        """Publish these freshly committed events soon, without making the caller wait."""
        ...


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[DomainEvent]) -> list[str]:
        """Hand the events to their consumers; the ids of those handed over.

        An event that cannot be handed over is left out (and logged) without holding
        back the others: it stays in the outbox for later. Publishing an event twice
        must be harmless.
        """
        ...


class Mailer(Protocol):
    async def send(self, *, to: str, subject: str, body: str) -> None: ...
