"""The tracer provider the settings build exports over OTLP/HTTP to a real receiver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.util.types import AttributeValue

from app.infra.settings import Settings
from app.infra.tracing import build_tracer_provider, traces_endpoint
from tests.otlp_receiver import Receiver, otlp_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with otlp_receiver() as running:
        yield running


def _export(receiver: Receiver, **settings: Any) -> None:
    provider = build_tracer_provider(
        Settings.embedded(otel_exporter_otlp_endpoint=receiver.endpoint, **settings)
    )
    assert provider is not None
    tracer = provider.get_tracer("test")
    attributes: dict[str, AttributeValue] = {"answer": 42, "kinds": ["a", "b"]}
    with (
        tracer.start_as_current_span("outer", attributes=attributes),
        tracer.start_as_current_span("inner"),
    ):
        pass
    provider.shutdown()  # sends what is buffered


def test_spans_arrive_decoded_with_the_service_name(receiver: Receiver) -> None:
    _export(receiver, otel_service_name="exported-service")

    [outer] = receiver.named("outer")
    [inner] = receiver.named("inner")
    assert outer.service == inner.service == "exported-service"
    assert outer.attributes == {"answer": 42, "kinds": ("a", "b")}
    assert inner.trace_id == outer.trace_id
    assert inner.parent_span_id == outer.span_id
    assert outer.parent_span_id == ""


@pytest.mark.parametrize(
    ("sampler", "ratio", "exported"),
    [
        ("always_on", 0.0, True),
        ("always_off", 1.0, False),
        ("traceidratio", 0.0, False),
        ("traceidratio", 1.0, True),
        ("parentbased_always_on", 0.0, True),
        ("parentbased_always_off", 1.0, False),
        ("parentbased_traceidratio", 0.0, False),
        ("parentbased_traceidratio", 1.0, True),
    ],
)
def test_the_sampler_setting_decides_what_is_exported(
    receiver: Receiver, sampler: str, ratio: float, exported: bool
) -> None:
    _export(receiver, otel_traces_sampler=sampler, otel_traces_sampler_arg=ratio)

    assert bool(receiver.named("outer")) is exported


def test_no_endpoint_means_no_tracing() -> None:
    assert build_tracer_provider(Settings.embedded()) is None


def test_the_traces_path_is_added_to_the_endpoint() -> None:
    assert traces_endpoint("http://collector:4318") == "http://collector:4318/v1/traces"
    assert traces_endpoint("http://collector:4318/") == "http://collector:4318/v1/traces"
