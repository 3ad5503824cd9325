"""Ports of messaging: kicking the outbox relay, publishing events, sending mail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from app.domain.events import DomainEvent


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
