"""Tracing with OpenTelemetry: off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

When it is on, the process has one tracer provider (`build_tracer_provider`), which the
entry points make the global one, and the maintained instrumentations use it: FastAPI's
own request spans, SQLAlchemy's statement spans (the SQL text, never the parameters),
Redis's command spans (the command name, every argument replaced by `?`) and Celery's
publish and task spans. The spans only this service can know are written by hand with
the OpenTelemetry API: the commit of a unit of work, a cache lookup's result, the
outbox's publication and each consumer's handling of its events.

Across the outbox: the outbox stores, with each event, the trace context of the commit
that wrote it (`current_trace_context`), and publishing an event makes that context the
parent of its `outbox.publish` span (`publishing`). The Celery message then carries it in
its headers, and the worker's spans join the trace of the request, however late the
event is published (by the relay at once, or by a sweep after an outage).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    TraceIdRatioBased,
)

from app.application.tracing import span, tracing_is_on
from app.domain.events import DomainEvent
from app.infra.db.tables import TRACE_CONTEXT_LENGTH
from app.infra.settings import Settings

logger = logging.getLogger(__name__)


def _sampler(name: str, ratio: float) -> Sampler:
    root: Sampler
    base = name.removeprefix("parentbased_")
    if base == "always_on":
        root = ALWAYS_ON
    elif base == "always_off":
        root = ALWAYS_OFF
    else:
        root = TraceIdRatioBased(ratio)
    return ParentBased(root) if name.startswith("parentbased_") else root


def traces_endpoint(base: str) -> str:
    """The traces URL of an OTLP/HTTP base endpoint, as the SDK derives it."""
    return base.rstrip("/") + "/v1/traces"


def build_tracer_provider(
    settings: Settings, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """The process's tracer provider, or None when tracing is off (no endpoint, and no
    exporter given). Spans leave in batches, off the request path."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if exporter is None:
        if not endpoint:
            return None
        exporter = OTLPSpanExporter(endpoint=traces_endpoint(endpoint))
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.otel_service_name}),
        sampler=_sampler(settings.otel_traces_sampler, settings.otel_traces_sampler_arg),
    )
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def use_globally(provider: TracerProvider | None) -> None:
    """Make the provider the process's global one (the entry points do, once)."""
    if provider is not None and trace.get_tracer_provider() is not provider:
        trace.set_tracer_provider(provider)


def instrument_celery(provider: TracerProvider | None) -> None:
    """Celery's publish and task spans, with the trace context in the message headers
    (process-wide: Celery's signals are)."""
    if provider is None:
        return
    from opentelemetry.instrumentation.celery import CeleryInstrumentor

    instrumentor = CeleryInstrumentor()  # type: ignore[no-untyped-call]
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def instrumented(
    provider: TracerProvider | None,
    *,
    engines: Sequence[Any],
    redis: Any | None,
    celery: bool,
) -> Iterator[TracerProvider | None]:
    """A container resource: while open, the engines' statements and the Redis client's
    commands are traced (and Celery's messages, when events go through Celery); on
    closing, the instrumentation is removed and the spans still buffered are sent."""
    if provider is None:
        yield None
        return
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    statements = SQLAlchemyInstrumentor()
    statements.instrument(
        engines=[getattr(engine, "sync_engine", engine) for engine in engines],
        tracer_provider=provider,
        enable_commenter=False,
        # Its declared range stops short of SQLAlchemy 2.1, which it traces all the
        # same (the statement spans are checked by the tests).
        skip_dep_check=True,
    )
    if redis is not None:
        RedisInstrumentor.instrument_client(redis, tracer_provider=provider)
    if celery:
        instrument_celery(provider)
    try:
        yield provider
    finally:
        statements.uninstrument()
        if redis is not None:
            RedisInstrumentor.uninstrument_client(redis)
        provider.force_flush()


def current_trace_context() -> str | None:
    """The current span's trace context as the outbox stores it (W3C `traceparent` and
    `tracestate`, as JSON), or None outside any sampled span."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    text = json.dumps(carrier, separators=(",", ":"), sort_keys=True)
    return text if carrier and len(text) <= TRACE_CONTEXT_LENGTH else None


def stored_context(trace_context: str | None) -> context.Context | None:
    """The context an outbox row stored, or None when it holds none (or garbage)."""
    if not trace_context:
        return None
    try:
        carrier = json.loads(trace_context)
    except ValueError:
        return None
    if not isinstance(carrier, dict):
        return None
    restored = propagate.extract({str(key): str(value) for key, value in carrier.items()})
    return restored if trace.get_current_span(restored).get_span_context().is_valid else None


@contextmanager
def publishing(events: Sequence[DomainEvent]) -> Iterator[None]:
    """The `outbox.publish` span of these events: a child of the first event's stored
    context (so the consumers' spans join the trace of the request that wrote it), linked
    to the other events' contexts and to the span publishing them (a relay's or sweep's)."""
    if not tracing_is_on():
        yield
        return
    contexts = [stored_context(event.trace_context) for event in events]
    parent = next((found for found in contexts if found is not None), None)
    links = [
        trace.Link(trace.get_current_span(found).get_span_context())
        for found in contexts
        if found is not None and found is not parent
    ]
    here = trace.get_current_span().get_span_context()
    if here.is_valid and parent is not None:  # without a stored parent, `here` is the parent
        links.append(trace.Link(here))
    with span(
        "outbox.publish",
        {
            "messaging.operation.type": "publish",
            "messaging.batch.message_count": len(events),
            "event.types": sorted({type(event).__name__ for event in events}),
        },
        parent=parent,
        kind=trace.SpanKind.PRODUCER,
        links=links,
    ):
        yield
