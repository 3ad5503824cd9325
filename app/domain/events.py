"""Domain events: facts that aggregates record and the outbox carries to consumers.

Every subclass of `DomainEvent` is registered by its class name as it is defined: the
codec, the consumer map and the cache invalidation rules are all checked against this
registry, so a new event cannot be forgotten by any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from app.domain.identity import new_id


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    occurred_at: datetime
    event_id: str = field(default_factory=new_id)

    registry: ClassVar[dict[str, type[DomainEvent]]] = {}
    """Every event type by its name (the name stored in the outbox)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        known = DomainEvent.registry.get(cls.__name__)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"two domain events are named {cls.__name__}")
        DomainEvent.registry[cls.__name__] = cls


@dataclass(frozen=True, kw_only=True)
class UserRegistered(DomainEvent):
    user_id: str
    email: str
    display_name: str


@dataclass(frozen=True, kw_only=True)
class PostCreated(DomainEvent):
    post_id: str
    author_id: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PostUpdated(DomainEvent):
    post_id: str
    author_id: str
    version: int
    tags: tuple[str, ...] = ()
    previous_tags: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PostDeleted(DomainEvent):
    post_id: str
    author_id: str
    tags: tuple[str, ...] = ()


class RecordsEvents:
    """Mixin of aggregates: events wait here until the unit of work takes them."""

    _pending_events: list[DomainEvent]

    def record(self, event: DomainEvent) -> None:
        self._pending_events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        events, self._pending_events = self._pending_events, []
        return events
