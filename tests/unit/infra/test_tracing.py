"""Trace contexts as the outbox keeps them, and the publication span they lead to."""

from __future__ import annotations

import json

import pytest
from opentelemetry import trace

from app.application.tracing import span
from app.domain.events import PostCreated
from app.infra.tracing import current_trace_context, publishing, stored_context
from tests.fakes.clock import T0
from tests.tracing import Spans, parent_id, span_id
from tests.tracing import spans as spans  # the fixture


def _event(trace_context: str | None) -> PostCreated:
    return PostCreated(occurred_at=T0, post_id="p", author_id="a", trace_context=trace_context)


def test_outside_any_span_there_is_no_context_to_keep() -> None:
    assert current_trace_context() is None


def test_the_context_kept_is_the_current_spans_traceparent(spans: Spans) -> None:
    with span("writing") as writing:
        kept = current_trace_context()

    assert kept is not None
    context = writing.get_span_context()
    ids = f"{context.trace_id:032x}-{context.span_id:016x}"
    assert json.loads(kept) == {"traceparent": f"00-{ids}-{context.trace_flags:02x}"}
    restored = stored_context(kept)
    assert restored is not None
    assert trace.get_current_span(restored).get_span_context().span_id == context.span_id


@pytest.mark.parametrize(
    "kept", [None, "", "not json", "[1, 2]", '{"traceparent": "garbage"}', '"text"']
)
def test_a_missing_or_broken_context_restores_nothing(kept: str | None) -> None:
    assert stored_context(kept) is None


def test_a_publication_continues_the_first_events_trace_and_links_the_rest(
    spans: Spans,
) -> None:
    with span("first request") as first:
        first_kept = current_trace_context()
    with span("second request") as second:
        second_kept = current_trace_context()
    events = [_event(None), _event(first_kept), _event(second_kept)]

    with span("relay") as relay, publishing(events):
        pass

    publish = spans.one("outbox.publish")
    assert parent_id(publish) == first.get_span_context().span_id
    assert publish.kind is trace.SpanKind.PRODUCER
    assert [link.context.span_id for link in publish.links] == [
        second.get_span_context().span_id,
        relay.get_span_context().span_id,
    ]
    assert publish.attributes == {
        "messaging.operation.type": "publish",
        "messaging.batch.message_count": 3,
        "event.types": ("PostCreated",),
    }


def test_a_publication_of_untraced_events_is_a_child_of_the_current_span(
    spans: Spans,
) -> None:
    with span("sweep"), publishing([_event(None)]):
        pass

    assert parent_id(spans.one("outbox.publish")) == span_id(spans.one("sweep"))
    assert spans.one("outbox.publish").links == ()
