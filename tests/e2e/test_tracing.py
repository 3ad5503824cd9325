"""Traces across processes: a served API and a real Celery worker export over OTLP/HTTP
to a receiver started by the test, and the worker's spans join the request's trace.

The worker tests run the API in the test (its spans in the in-memory exporter) and the
worker as a separate process on MariaDB, Redis and RabbitMQ, exporting to the receiver.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan

from tests.api.conftest import register
from tests.e2e.messaging import (
    BROKER_URL,
    BrokerLink,
    MailBox,
    Worker,
    start_worker,
    stop_worker,
)
from tests.e2e.servers import environment, free_port, served

# the API and the worker share the messaging tests' database, mailbox and settings
from tests.e2e.test_messaging import database as database
from tests.e2e.test_messaging import mailbox as mailbox
from tests.e2e.test_messaging import settings as settings
from tests.e2e.test_messaging import worker_environment
from tests.otlp_receiver import ReceivedSpan, Receiver, otlp_receiver
from tests.served import served as serving
from tests.tracing import Spans, span_id, trace_id, traced_container
from tests.tracing import spans as spans  # the fixture

QUICK_EXPORT = {"OTEL_BSP_SCHEDULE_DELAY": "100"}
"""The SDK's batch delay, in milliseconds (5 s by default): spans leave at once."""
WORKER_SERVICE = "posts-worker-test"
TIMEOUT = 45


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with otlp_receiver() as running:
        yield running


def test_a_served_api_exports_its_spans_and_logs_their_ids(
    receiver: Receiver, tmp_path: Path
) -> None:
    env = environment(
        {
            "APP_PROFILE": "test",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'traced.db'}",
            "LOG_FORMAT": "json",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_SERVICE_NAME": "posts-api-test",
            **QUICK_EXPORT,
        }
    )
    with served(env, tmp_path) as (base, log):
        response = httpx.get(f"{base}/api/v1/posts", timeout=10)
        assert response.status_code == 200
        request_id = response.headers["X-Request-ID"]
        [request] = receiver.wait_for("GET /api/v1/posts")

    assert request.service == "posts-api-test"
    assert request.attributes["http.route"] == "/api/v1/posts"
    assert request.attributes["http.response.status_code"] == 200
    statements = [span for span in receiver.spans if "db.statement" in span.attributes]
    assert [span for span in statements if span.parent_span_id == request.span_id]
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    logged = [line for line in lines if line.get("request_id") == request_id]
    assert logged
    assert {line["trace_id"] for line in logged} == {request.trace_id}
    assert {line["span_id"] for line in logged} == {request.span_id}


@pytest.fixture
def worker(
    settings: dict[str, Any],
    mailbox: tuple[MailBox, int],
    receiver: Receiver,
    tmp_path: Path,
) -> Iterator[Worker]:
    env = worker_environment(
        settings,
        mailbox[1],
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_SERVICE_NAME=WORKER_SERVICE,
        **QUICK_EXPORT,
    )
    started = start_worker(env, tmp_path / "worker.log")
    yield started
    stop_worker(started)


def _traced_api(settings: dict[str, Any], broker_url: str) -> Any:
    values = dict(settings)
    return serving(
        traced_container(
            database_url=values.pop("database_url"),
            celery_broker_url=broker_url,
            outbox_sweep_interval_seconds=0.5,
            outbox_sweep_after_seconds=0.5,
            **values,
        )
    )


def _welcome_mail(receiver: Receiver) -> ReceivedSpan:
    [consume] = receiver.wait_for("consume WelcomeMail.on_user_registered")
    return consume


def _in_the_worker(receiver: Receiver, consume: ReceivedSpan) -> dict[str, ReceivedSpan]:
    """The worker's spans of the consumer's trace, by name."""
    return {
        span.name: span
        for span in receiver.spans
        if span.trace_id == consume.trace_id and span.service == WORKER_SERVICE
    }


async def _eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {TIMEOUT} s: {what}")


@pytest.mark.mariadb
async def test_the_workers_spans_join_the_requests_trace(
    settings: dict[str, Any],
    worker: Worker,
    receiver: Receiver,
    mailbox: tuple[MailBox, int],
    spans: Spans,
) -> None:
    async with _traced_api(settings, BROKER_URL) as api:
        await register(api.client, "traced@example.com")
        await _eventually(lambda: mailbox[0].received == ["traced@example.com"], "the mail")
        consume = await asyncio.to_thread(_welcome_mail, receiver)
        await api.settled()

    request = spans.one("POST /api/v1/users")
    publish = spans.one("outbox.publish")
    assert consume.trace_id == format(trace_id(request), "032x")
    worker_spans = _in_the_worker(receiver, consume)
    task = worker_spans["run/events.handle"]  # Celery's own task span, from the headers
    assert consume.parent_span_id == task.span_id
    [sent] = [span for span in spans.finished() if span.name == "apply_async/events.handle"]
    assert task.parent_span_id == format(span_id(sent), "016x")
    assert sent.parent is not None
    assert sent.parent.span_id == span_id(publish)
    assert "traced@example.com" not in json.dumps([span.attributes for span in receiver.spans])


@pytest.mark.mariadb
async def test_an_event_swept_after_a_broker_cut_keeps_its_requests_trace(
    settings: dict[str, Any],
    worker: Worker,
    receiver: Receiver,
    mailbox: tuple[MailBox, int],
    spans: Spans,
) -> None:
    link = BrokerLink(free_port())
    await link.up()
    try:
        async with _traced_api(settings, f"amqp://guest:guest@127.0.0.1:{link.port}//") as api:
            await link.down()
            await register(api.client, "swept@example.com")
            # The relay's publication fails; only a sweep can send the event now.
            await _eventually(lambda: bool(_failed(spans)), "a failed publication")
            assert mailbox[0].received == []
            await link.up()
            await _eventually(lambda: mailbox[0].received == ["swept@example.com"], "the mail")
            consume = await asyncio.to_thread(_welcome_mail, receiver)
            await api.settled()
    finally:
        await link.down()

    request = spans.one("POST /api/v1/users")
    [commit] = [span for span in spans.named("uow.commit") if span.parent == request.context]
    [delivered] = [
        span for span in spans.named("outbox.publish") if span.status.status_code.name == "UNSET"
    ]
    sweeps = {span_id(span) for span in spans.named("outbox.sweep")}
    assert [link.context.span_id in sweeps for link in delivered.links] == [True]
    assert delivered.parent is not None
    assert delivered.parent.span_id == span_id(commit)  # what the outbox row kept
    assert consume.trace_id == format(trace_id(request), "032x")
    [failed] = _failed(spans)
    assert failed.status.description == "OperationalError"  # the type, not the message
    assert failed.events == ()


def _failed(spans: Spans) -> list[ReadableSpan]:
    return [
        span for span in spans.named("outbox.publish") if span.status.status_code.name == "ERROR"
    ]
