"""Domain events as outbox rows and messages: a type name and a JSON payload."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from app.domain.events import DomainEvent, PostCreated, PostDeleted, PostUpdated, UserRegistered

EVENT_TYPES: dict[str, type[DomainEvent]] = {
    kind.__name__: kind for kind in (UserRegistered, PostCreated, PostUpdated, PostDeleted)
}
_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(kind) for name, kind in EVENT_TYPES.items()
}


def encode(event: DomainEvent) -> tuple[str, str]:
    name = type(event).__name__
    return name, _ADAPTERS[name].dump_json(event).decode()


def decode(name: str, payload: str) -> DomainEvent:
    """The event back; ValueError for a type or payload this service does not know."""
    adapter = _ADAPTERS.get(name)
    if adapter is None:
        raise ValueError(f"unknown event type {name!r}")
    event: DomainEvent = adapter.validate_json(payload)
    return event
