"""Domain events: facts that aggregates record and the outbox carries to consumers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.domain.identity import new_id


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    occurred_at: datetime
    event_id: str = field(default_factory=new_id)


@dataclass(frozen=True, kw_only=True)
class UserRegistered(DomainEvent):
    user_id: str
    email: str
    display_name: str


@dataclass(frozen=True, kw_only=True)
class PostCreated(DomainEvent):
    post_id: str
    author_id: str


@dataclass(frozen=True, kw_only=True)
class PostUpdated(DomainEvent):
    post_id: str
    author_id: str
    version: int


@dataclass(frozen=True, kw_only=True)
class PostDeleted(DomainEvent):
    post_id: str
    author_id: str


class RecordsEvents:
    """Mixin of aggregates: events wait here until the unit of work takes them."""

    _pending_events: list[DomainEvent]

    def record(self, event: DomainEvent) -> None:
        self._pending_events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        events, self._pending_events = self._pending_events, []
        return events
