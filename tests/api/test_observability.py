"""What operators see: Prometheus metrics at /metrics, and one access line per request."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from io import StringIO

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from app.domain.identity import new_id, utc_now
from app.infra.db.tables import outbox
from app.infra.logs import build_handler
from app.interface.middleware import RequestIdLogFilter
from tests.api.conftest import Api, create_post, signed_up
from tests.databases import ScratchDatabase

MISSING = "01890000-0000-7000-8000-00000000dead"
POST_ROUTE = "/api/v1/posts/{post_id}"


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the exposition, by name and labels."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def sample(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


class TestMetrics:
    async def test_requests_are_counted_by_route_template_method_and_status(
        self, client: httpx.AsyncClient
    ) -> None:
        before = await scrape(client)
        for _ in range(3):
            await client.get(f"/api/v1/posts/{MISSING}")
        await client.get("/no/such/path/123")
        after = await scrape(client)

        def delta(name: str, **labels: str) -> float:
            return sample(after, name, **labels) - sample(before, name, **labels)

        not_found = {"method": "GET", "route": POST_ROUTE, "status": "404"}
        assert delta("http_requests_total", **not_found) == 3
        assert delta("http_requests_total", method="GET", route="unmatched", status="404") == 1
        timed = {"method": "GET", "route": POST_ROUTE}
        assert delta("http_request_duration_seconds_count", **timed) == 3
        assert not any(MISSING in str(labels) for _, labels in after)

    async def test_the_frameworks_own_routes_are_counted_by_their_path(
        self, client: httpx.AsyncClient
    ) -> None:
        paths = ("/docs", "/openapi.json", "/redoc", "/docs/oauth2-redirect")
        before = await scrape(client)
        for path in paths:
            assert (await client.get(path)).status_code == 200
        after = await scrape(client)

        counted = {
            path: sample(after, "http_requests_total", method="GET", route=path, status="200")
            - sample(before, "http_requests_total", method="GET", route=path, status="200")
            for path in paths
        }
        unmatched = {"method": "GET", "route": "unmatched", "status": "200"}
        assert counted == dict.fromkeys(paths, 1.0)
        assert sample(after, "http_requests_total", **unmatched) == sample(
            before, "http_requests_total", **unmatched
        )

    async def test_cache_lookups_and_pools_are_reported(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)
        before = await scrape(client)
        for _ in range(2):
            assert (await client.get(f"/api/v1/posts/{post['id']}")).status_code == 200
        after = await scrape(client)

        def delta(result: str) -> float:
            return sample(after, "cache_lookups_total", result=result) - sample(
                before, "cache_lookups_total", result=result
            )

        assert (delta("miss"), delta("hit")) == (1, 1)
        assert ("db_pool_connections_in_use", frozenset({("engine", "write")})) in after

    async def test_the_outbox_backlog_is_read_at_each_scrape(
        self, committed_api: Api, fresh_database: ScratchDatabase
    ) -> None:
        stuck_since = utc_now() - timedelta(minutes=10)
        async with fresh_database.engine.begin() as connection:
            await connection.execute(
                insert(outbox).values(
                    id=new_id(), type="Retired", payload="{}", occurred_at=stuck_since
                )
            )

        samples = await scrape(committed_api.client)

        assert sample(samples, "outbox_unsent_events") == 1
        assert 590 <= sample(samples, "outbox_oldest_unsent_age_seconds") <= 900
        assert sample(samples, "outbox_dead_events") == 0

    async def test_dead_events_are_counted_apart_from_the_unsent_ones(
        self, committed_api: Api, fresh_database: ScratchDatabase
    ) -> None:
        async with fresh_database.engine.begin() as connection:
            await connection.execute(
                insert(outbox).values(
                    id=new_id(),
                    type="UserRegistered",
                    payload="{}",
                    occurred_at=utc_now(),
                    attempts=20,
                    dead_at=utc_now(),
                )
            )

        samples = await scrape(committed_api.client)

        assert sample(samples, "outbox_dead_events") == 1
        assert sample(samples, "outbox_unsent_events") == 0


class TestAccessLog:
    async def test_one_line_per_request_with_its_route_status_and_user(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)
        caplog.clear()

        with caplog.at_level(logging.INFO, logger="app.access"):
            response = await client.get(
                f"/api/v1/posts/{post['id']}", headers={**auth, "X-Request-ID": "trace-42"}
            )

        [line] = [record for record in caplog.records if record.name == "app.access"]
        assert response.status_code == 200
        assert (line.route, line.status, line.method) == (POST_ROUTE, 200, "GET")  # type: ignore[attr-defined]
        assert line.user_id == post["author_id"]  # type: ignore[attr-defined]
        assert line.duration_ms > 0  # type: ignore[attr-defined]
        token = auth["Authorization"].split()[1]
        assert all(token not in record.getMessage() for record in caplog.records)

    async def test_json_lines_carry_the_request_id_and_the_fields(
        self, client: httpx.AsyncClient
    ) -> None:
        stream = StringIO()
        handler = build_handler(json_lines=True, filters=[RequestIdLogFilter()], stream=stream)
        access = logging.getLogger("app.access")
        access.addHandler(handler)
        level = access.level
        access.setLevel(logging.INFO)
        try:
            await client.get(f"/api/v1/posts/{MISSING}", headers={"X-Request-ID": "trace-7"})
        finally:
            access.removeHandler(handler)
            access.setLevel(level)

        [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
        assert line["request_id"] == "trace-7"
        assert line["logger"] == "app.access"
        assert line["level"] == "INFO"
        assert (line["route"], line["status"], line["user_id"]) == (POST_ROUTE, 404, None)
        assert "timestamp" in line


class TestForgedLogLines:
    @pytest.mark.parametrize("json_lines", [False, True], ids=["text", "json"])
    async def test_control_characters_a_client_sends_cannot_start_a_line(
        self, client: httpx.AsyncClient, json_lines: bool
    ) -> None:
        stream = StringIO()
        handler = build_handler(
            json_lines=json_lines, filters=[RequestIdLogFilter()], stream=stream
        )
        access = logging.getLogger("app.access")
        access.addHandler(handler)
        level = access.level
        access.setLevel(logging.INFO)
        try:
            await client.get("/api/v1/posts/x%0a2026-12-02 INFO app.access [-] GET / 200%0d%1b[2J")
        finally:
            access.removeHandler(handler)
            access.setLevel(level)

        [line] = stream.getvalue().splitlines()
        assert "\x1b" not in line
        assert "/api/v1/posts/x" in line
