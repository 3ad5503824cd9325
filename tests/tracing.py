"""Traces in tests: one in-memory tracer provider, the process's global one once a test
asks for it (OpenTelemetry lets a process set its global provider only once).

`spans` gives a test the exporter, emptied; `traced_container` a hermetic container
whose tracer provider is this one, so its requests, statements, cache calls and
commits are traced as in production.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pytest
from dependency_injector import providers
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.infra.settings import Settings
from app.infra.tracing import build_tracer_provider, use_globally
from containers import Container
from tests.served import hermetic_container

_EXPORTER = InMemorySpanExporter()
_PROVIDER: TracerProvider | None = None


def tracing_provider() -> TracerProvider:
    global _PROVIDER
    if _PROVIDER is None:
        built = build_tracer_provider(
            Settings.embedded(otel_service_name="posts-test"), exporter=_EXPORTER
        )
        assert built is not None
        _PROVIDER = built
        use_globally(_PROVIDER)
    assert trace.get_tracer_provider() is _PROVIDER
    return _PROVIDER


class Spans:
    """What the test provider exported since the test began."""

    def finished(self) -> list[ReadableSpan]:
        tracing_provider().force_flush()
        return list(_EXPORTER.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [span for span in self.finished() if span.name == name]

    def one(self, name: str) -> ReadableSpan:
        found = self.named(name)
        assert len(found) == 1, [span.name for span in self.finished()]
        return found[0]

    def clear(self) -> None:
        tracing_provider().force_flush()
        _EXPORTER.clear()


@pytest.fixture
def spans() -> Iterator[Spans]:
    found = Spans()
    found.clear()
    yield found
    found.clear()


def traced_container(**settings: Any) -> Container:
    container = hermetic_container(**settings)
    container.tracer_provider.override(providers.Object(tracing_provider()))
    return container


def trace_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.trace_id)


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.span_id)


def parent_id(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


def children(parent: ReadableSpan, among: Iterable[ReadableSpan]) -> list[ReadableSpan]:
    return [span for span in among if parent_id(span) == span_id(parent)]


def render(spans: Sequence[ReadableSpan]) -> str:
    """The spans of one trace as an indented tree, children in the order they started."""
    known = {span_id(span) for span in spans}
    roots = [span for span in spans if parent_id(span) not in known]
    lines: list[str] = []

    def walk(span: ReadableSpan, depth: int) -> None:
        lines.append("  " * depth + span.name)
        for child in sorted(children(span, spans), key=lambda found: found.start_time or 0):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda found: found.start_time or 0):
        walk(root, 0)
    return "\n".join(lines)


def every_attribute_value(spans: Iterable[ReadableSpan]) -> list[str]:
    """Each exported text of the spans: names, attribute values, events, status, resource."""
    texts: list[str] = []
    for span in spans:
        texts.append(span.name)
        texts.extend(str(value) for value in (span.attributes or {}).values())
        texts.extend(str(value) for value in span.resource.attributes.values())
        for event in span.events:
            texts.append(event.name)
            texts.extend(str(value) for value in (event.attributes or {}).values())
        for link in span.links:
            texts.extend(str(value) for value in (link.attributes or {}).values())
        texts.append(span.status.description or "")
    return texts
