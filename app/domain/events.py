"""Domain events: facts that aggregates record and the outbox carries to consumers.

Every subclass of `DomainEvent` is registered by its class name as it is defined: the
codec, the consumer map and the cache invalidation rules are all checked against this
registry, so a new event cannot be forgotten by any of them.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from app.domain.identity import new_id


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    occurred_at: datetime
    event_id: str = field(default_factory=new_id)
    trace_context: str | None = field(default=None, compare=False, repr=False)
    """The trace context of the commit that wrote the event, as the outbox keeps it with
    the event (opaque here; None when tracing is off). Not part of the payload."""

    registry: ClassVar[dict[str, type[DomainEvent]]] = {}
    """Every event type by its name (the name stored in the outbox)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        known = DomainEvent.registry.get(cls.__name__)
        if known is not None and _origin(known) != _origin(cls):
            raise TypeError(
                f"two domain events are named {cls.__name__}: "
                f"{'.'.join(_origin(known))} and {'.'.join(_origin(cls))}"
            )
        DomainEvent.registry[cls.__name__] = cls


def _origin(kind: type) -> tuple[str, str]:
    return kind.__module__, kind.__qualname__


def domain_events() -> dict[str, type[DomainEvent]]:
    """Every event type of the domain by name, wherever in the domain package it is
    defined: each of the package's modules is imported first (an event is registered
    when its module is)."""
    package = sys.modules[__package__ or "app.domain"]
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return {
        name: kind
        for name, kind in DomainEvent.registry.items()
        if kind.__module__.startswith(f"{package.__name__}.")
    }


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
