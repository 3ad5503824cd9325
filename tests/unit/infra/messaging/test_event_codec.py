"""Events as outbox rows: every event type of the service, with no list to keep."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from typing import Any

import pytest

from app.application.consumers.dispatcher import service_events
from app.domain.events import DomainEvent, UserRegistered
from app.infra.messaging.event_codec import decode, encode
from tests.fakes.clock import T0


def _sample(kind: type[DomainEvent]) -> DomainEvent:
    values: dict[str, Any] = {}
    for field in fields(kind):
        if field.name in ("occurred_at", "event_id", "trace_context"):
            continue
        values[field.name] = {"str": "x", "int": 2}.get(str(field.type), ("a", "b"))
    return kind(occurred_at=T0, **values)


@pytest.mark.parametrize("kind", service_events(), ids=lambda kind: kind.__name__)
def test_every_event_of_the_service_comes_back_as_itself(kind: type[DomainEvent]) -> None:
    event = _sample(kind)

    name, payload = encode(event)

    assert name == kind.__name__
    assert decode(name, payload) == event


def test_an_unknown_type_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        decode("Retired", "{}")


def test_two_event_types_cannot_share_a_name() -> None:
    with pytest.raises(TypeError, match="PostCreated"):

        class PostCreated(DomainEvent):  # a second class under a registered name
            pass


def test_an_event_of_another_module_cannot_take_a_registered_name() -> None:
    with pytest.raises(TypeError, match=r"app\.domain\.events\.PostCreated"):
        type("PostCreated", (DomainEvent,), {"__module__": "app.domain.elsewhere"})


def test_the_trace_context_travels_beside_the_payload_not_in_it() -> None:
    context = '{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}'
    event = replace(_sample(UserRegistered), trace_context=context)

    name, payload = encode(event)
    back = decode(name, payload, context)

    assert "trace" not in json.loads(payload)
    assert back == event
    assert back.trace_context == context
    assert decode(name, payload).trace_context is None
