"""Spans only the service can know, written with the OpenTelemetry API.

Until a tracer provider is installed (tracing is off by default) `span` costs one
check and records nothing. A failure marks its span as an error with the exception's
type only: exception messages (a driver's "Duplicate entry '<email>'") never reach a trace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from types import TracebackType

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.util.types import AttributeValue

_tracer = trace.get_tracer("app")


def tracing_is_on() -> bool:
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


class span:
    # lower case: it reads as a call, `with span(...) as current:`
    """A span of its own, current while the block runs."""

    __slots__ = ("_attributes", "_kind", "_links", "_name", "_opened", "_parent", "_span")

    def __init__(
        self,
        name: str,
        attributes: Mapping[str, AttributeValue] | None = None,
        *,
        parent: Context | None = None,
        kind: trace.SpanKind = trace.SpanKind.INTERNAL,
        links: Sequence[trace.Link] = (),
    ) -> None:
        """`parent`: the context to continue instead of the current one."""
        self._name = name
        self._attributes = attributes
        self._parent = parent
        self._kind = kind
        self._links = links
        self._opened: AbstractContextManager[trace.Span] | None = None
        self._span: trace.Span = trace.INVALID_SPAN

    def __enter__(self) -> trace.Span:
        if not tracing_is_on():
            return trace.INVALID_SPAN
        self._opened = _tracer.start_as_current_span(
            self._name,
            context=self._parent,
            kind=self._kind,
            links=self._links,
            attributes=self._attributes,
            record_exception=False,
            set_status_on_exception=False,
        )
        self._span = self._opened.__enter__()
        return self._span

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        opened, self._opened = self._opened, None
        if opened is None:
            return
        if kind is not None:
            # This span, not whatever is current now: a library may have left its own
            # span current (Celery's, when a publish fails half-way).
            self._span.set_status(trace.StatusCode.ERROR, kind.__name__)
            self._span.set_attribute("error.type", kind.__qualname__)
        opened.__exit__(kind, error, traceback)
