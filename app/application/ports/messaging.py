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
    async def publish(self, event: DomainEvent) -> None:
        """Hand the event to its consumers; an event published twice must be harmless."""
        ...


class Mailer(Protocol):
    async def send(self, *, to: str, subject: str, body: str) -> None: ...
