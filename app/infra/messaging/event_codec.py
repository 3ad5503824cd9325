"""Domain events as outbox rows and messages: a type name and a JSON payload.

The names and types come from the domain's registry of events, so every event type
defined in `app.domain` is known here without being listed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import TypeAdapter

from app.domain.events import DomainEvent, domain_events

_ADAPTERS: dict[type[DomainEvent], TypeAdapter[Any]] = {}
_NOT_PAYLOAD = {"trace_context"}
"""Kept beside the payload (an outbox column, a message's headers), not in it."""


def _adapter(kind: type[DomainEvent]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def encode(event: DomainEvent) -> tuple[str, str]:
    kind = type(event)
    if DomainEvent.registry.get(kind.__name__) is not kind:
        raise ValueError(f"{kind.__qualname__} is not a registered domain event")
    return kind.__name__, _adapter(kind).dump_json(event, exclude=_NOT_PAYLOAD).decode()


def decode(name: str, payload: str, trace_context: str | None = None) -> DomainEvent:
    """The event back, with the trace context kept beside it; ValueError for a type or
    payload this service does not know."""
    kind = DomainEvent.registry.get(name) or domain_events().get(name)
    if kind is None:
        raise ValueError(f"unknown event type {name!r}")
    event: DomainEvent = _adapter(kind).validate_json(payload)
    return replace(event, trace_context=trace_context) if trace_context else event
