"""Ports of messaging: kicking the outbox relay, publishing events, sending mail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.domain.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxBacklog:
    unsent: int
    oldest_unsent: datetime | None
    dead: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadEvent:
    id: str
    type: str
    occurred_at: datetime
    attempts: int
    dead_at: datetime


class Outbox(Protocol):
    """The events committed with their changes, until the relay has handed them over.

    Reached through the write unit of work (`uow.outbox`), so an outbox is always the
    one of the storage the events were committed to.
    """

    async def add(self, events: Sequence[DomainEvent]) -> None:
        """Stage the events in the current transaction."""
        ...

    async def unsent(self, event_ids: Sequence[str]) -> list[DomainEvent]:
        """Those of these events that are neither marked sent nor dead."""
        ...

    async def due(self, *, before: datetime, limit: int) -> list[DomainEvent]:
        """Unsent events (not dead) that occurred before `before`, oldest first."""
        ...

    async def mark_sent(self, event_ids: Sequence[str], *, at: datetime) -> None: ...

    async def failed(
        self, event_ids: Sequence[str], *, at: datetime, max_attempts: int
    ) -> list[str]:
        """Count a failed delivery of each unsent event; those reaching `max_attempts`
        die (`dead_at`). The ids of the events that died now."""
        ...

    async def returned(self, event_id: str, *, at: datetime, max_attempts: int) -> bool:
        """Put a published event back, unsent, counting a failed delivery (its consumers
        gave up on it for now); True when that made it die."""
        ...

    async def backlog(self) -> OutboxBacklog:
        """How many events wait unsent, when the oldest of them occurred, how many died."""
        ...

    async def dead(self, *, limit: int) -> list[DeadEvent]:
        """Dead events, the ones that died first first."""
        ...

    async def revive(self, event_ids: Sequence[str]) -> int:
        """Return dead events to the outbox with their attempts forgotten; how many."""
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
