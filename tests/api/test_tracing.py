"""Traces of the served app, in one process: an in-memory exporter as the tracer provider.

One POST gives the request span, the SQL statements, the unit of work's commit, the
outbox publication and the consumer that the event fed, all in the request's trace.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan

from tests.api.conftest import create_post, register, sign_in
from tests.databases import ScratchDatabase, redis_prefix
from tests.served import Api, served
from tests.tracing import (
    Spans,
    children,
    every_attribute_value,
    parent_id,
    render,
    span_id,
    trace_id,
    traced_container,
)
from tests.tracing import spans as spans  # the fixture

PASSWORD = "correct horse battery"
EMAIL = "grace@example.com"


@pytest.fixture
async def traced(fresh_database: ScratchDatabase, redis_url: str) -> AsyncIterator[Api]:
    container = traced_container(
        database_url=fresh_database.url,
        redis_url=redis_url,
        cache_prefix=redis_prefix(),
        cache_timeout_ms=10_000,
    )
    async with served(container) as api:
        yield api


def _statements(found: list[ReadableSpan], starting: str = "") -> list[str]:
    """The statements of these spans, up to the table (or the Redis command), in order."""
    texts = [str((span.attributes or {}).get("db.statement", "")) for span in found]
    heads = [
        " ".join(text.split()[:3]) if text.startswith("INSERT") else text.split(" ")[0]
        for text in texts
    ]
    return [head for head in heads if head and head.startswith(starting)]


async def _signed_in(api: Api) -> dict[str, str]:
    await register(api.client, EMAIL, PASSWORD)
    auth = await sign_in(api.client, EMAIL, PASSWORD)
    await api.settled()
    return auth


async def test_a_post_gives_one_trace_from_request_to_consumer(traced: Api, spans: Spans) -> None:
    auth = await _signed_in(traced)
    spans.clear()

    await create_post(traced.client, auth, title="Traced", tags=["otel"])
    await traced.settled()

    request = spans.one("POST /api/v1/posts")
    assert request.kind.name == "SERVER"
    assert request.attributes is not None
    assert request.attributes["http.route"] == "/api/v1/posts"
    assert request.attributes["http.response.status_code"] == 201
    in_request = [span for span in spans.finished() if trace_id(span) == trace_id(request)]
    commits = [span for span in in_request if span.name == "uow.commit"]
    [commit] = [span for span in commits if parent_id(span) == span_id(request)]
    [consumer_commit] = [span for span in commits if span is not commit]
    assert parent_id(commit) == span_id(request)
    assert commit.attributes == {
        "uow.events": 1,
        "uow.event_types": ("PostCreated",),
        "uow.stale_tags": 4,  # the post lists, the tag's list, the author's list and stats
    }
    assert _statements(children(request, in_request), "INSERT") == [
        "INSERT INTO posts",
        "INSERT INTO post_tags",
    ]
    assert _statements(children(commit, in_request)) == [
        "INSERT INTO outbox",
        "EVALSHA",  # the stale tags' counters and the writer's read-your-writes marker
    ]
    publish = spans.one("outbox.publish")
    assert parent_id(publish) == span_id(commit)  # the context the outbox row kept
    assert publish.kind.name == "PRODUCER"
    assert publish.attributes is not None
    assert publish.attributes["event.types"] == ("PostCreated",)
    consume = spans.one("consume UserStatsProjection.on_post_events")
    assert parent_id(consume) == span_id(publish)
    relay = spans.one("outbox.relay")  # reads and marks the outbox: a trace of its own
    assert [link.context.span_id for link in publish.links] == [span_id(relay)]
    assert {trace_id(span) for span in spans.finished()} == {trace_id(request), trace_id(relay)}
    assert parent_id(consumer_commit) == span_id(consume)  # the projection's own commit


async def test_sql_spans_carry_the_statement_without_its_values(traced: Api, spans: Spans) -> None:
    auth = await _signed_in(traced)
    spans.clear()

    await create_post(traced.client, auth, title="A title nobody else uses")

    statements = [
        str(span.attributes["db.statement"])
        for span in spans.finished()
        if span.attributes and "db.statement" in span.attributes
    ]
    assert statements
    assert not [text for text in statements if "A title nobody else uses" in text]


async def test_a_cache_lookup_says_whether_it_hit(traced: Api, spans: Spans) -> None:
    auth = await _signed_in(traced)
    post = await create_post(traced.client, auth)
    spans.clear()

    for _ in range(2):
        response = await traced.client.get(f"/api/v1/posts/{post['id']}")
        assert response.status_code == 200

    lookups = spans.named("cache.lookup")
    assert [span.attributes and span.attributes["cache.hit"] for span in lookups] == [False, True]
    assert {span.attributes and span.attributes["cache.method"] for span in lookups} == {
        "PostQueryService.get_post"
    }
    for lookup in lookups:
        redis_calls = children(lookup, spans.finished())
        assert [span.name for span in redis_calls] == ["MGET"]
        assert redis_calls[0].attributes is not None
        assert str(redis_calls[0].attributes["db.statement"]).startswith("MGET ?")


async def test_a_request_continues_the_callers_trace(traced: Api, spans: Spans) -> None:
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = await traced.client.get(
        "/api/v1/posts", headers={"traceparent": f"00-{caller_trace}-00f067aa0ba902b7-01"}
    )

    assert response.status_code == 200
    request = spans.one("GET /api/v1/posts")
    assert format(trace_id(request), "032x") == caller_trace


async def test_probes_and_scrapes_are_not_traced(traced: Api, spans: Spans) -> None:
    for path in ("/health/live", "/health/ready", "/metrics"):
        assert (await traced.client.get(path)).status_code == 200

    assert not [span for span in spans.finished() if span.kind.name == "SERVER"]


async def test_no_secret_reaches_a_span(traced: Api, spans: Spans) -> None:
    """Register, sign in, refresh, a failed sign-in and a duplicate registration: no
    password, token or e-mail address in any exported text of any span."""
    await register(traced.client, EMAIL, PASSWORD)
    token = await traced.client.post(
        "/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD}
    )
    tokens = token.json()
    refreshed = await traced.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    wrong = await traced.client.post(
        "/api/v1/auth/token", data={"username": EMAIL, "password": "not " + PASSWORD}
    )
    assert wrong.status_code == 401
    again = await traced.client.post(
        "/api/v1/users", json={"email": EMAIL, "password": PASSWORD, "display_name": "G"}
    )
    assert again.status_code == 409
    me = await traced.client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 200
    await traced.settled()

    exported = "\n".join(every_attribute_value(spans.finished()))
    secrets = [
        PASSWORD,
        EMAIL,
        EMAIL.split("@")[0],
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed.json()["access_token"],
    ]
    assert spans.named("consume WelcomeMail.on_user_registered")
    assert [secret for secret in secrets if secret in exported] == []


async def test_logs_carry_the_trace_and_span_ids(
    traced: Api, spans: Spans, caplog: pytest.LogCaptureFixture
) -> None:
    from app.infra.logs import TraceIds

    caplog.handler.addFilter(TraceIds())
    with caplog.at_level(logging.INFO, logger="app.access"):
        response = await traced.client.get("/api/v1/posts")
    assert response.status_code == 200

    request = spans.one("GET /api/v1/posts")
    lines = [record for record in caplog.records if record.name == "app.access"]
    assert lines
    assert {getattr(record, "trace_id", None) for record in lines} == {
        format(trace_id(request), "032x")
    }


def test_a_trace_renders_as_a_tree() -> None:
    assert render([]) == ""
