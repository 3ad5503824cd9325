"""Every GET route also answers HEAD: same status and headers, no body (RFC 9110)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import APIRouter, Response
from fastapi.routing import iter_route_contexts
from starlette.types import Message

from tests.api.comment_requests import create_comment
from tests.api.conftest import Api, create_post, signed_up
from tests.api.test_observability import sample, scrape

VARYING = {"x-request-id", "content-length"}
"""Headers that differ between two GETs of some routes too (`/metrics` grows)."""


def get_paths(api: Api, **ids: str) -> list[str]:
    """Every path the app serves with GET, its parameters filled in from `ids`."""
    templates = {
        route.path
        for route in iter_route_contexts(api.app.routes)
        if route.path and route.methods and "GET" in route.methods
    }
    return sorted(
        re.sub(r"\{(\w+)\}", lambda name: ids[name.group(1)], template) for template in templates
    )


def late_router() -> APIRouter:
    router = APIRouter(prefix="/late")

    @router.get("/greeting")
    async def greeting(response: Response) -> dict[str, str]:
        response.headers["Cache-Control"] = "max-age=60"
        return {"hello": "world"}

    @router.get("/own-head")
    async def own_head_get() -> Response:
        return Response("body", headers={"X-Answered-By": "get"})

    @router.head("/own-head")
    async def own_head() -> Response:
        return Response(headers={"X-Answered-By": "head"})

    return router


async def raw_head(api: Api, path: str) -> list[Message]:
    """What the app itself sends for a HEAD, before any server or client drops a body."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "HEAD",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test")],
        "server": ("test", 80),
        "client": ("127.0.0.1", 12345),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await api.app(scope, receive, send)
    return sent


class TestHeadRequests:
    async def test_every_get_route_answers_head_with_the_same_status_and_headers(
        self, api: Api
    ) -> None:
        auth = await signed_up(api.client)
        post = await create_post(api.client, auth)
        comment = await create_comment(api.client, auth, post["id"])
        ids = {"post_id": post["id"], "user_id": post["author_id"], "comment_id": comment["id"]}

        for path in get_paths(api, **ids):
            get = await api.client.get(path, headers=auth)
            head = await api.client.head(path, headers=auth)

            assert head.status_code == get.status_code, path
            assert head.content == b"", path
            assert head.headers.keys() == get.headers.keys(), path
            same = {name: value for name, value in get.headers.items() if name not in VARYING}
            assert {name: head.headers[name] for name in same} == same, path

    async def test_head_carries_the_etag_and_the_length_of_the_get_body(
        self, client: httpx.AsyncClient
    ) -> None:
        post = await create_post(client, await signed_up(client))
        url = f"/api/v1/posts/{post['id']}"

        get = await client.get(url)
        head = await client.head(url, headers={"X-Request-ID": "head-1"})

        assert head.status_code == 200
        assert head.headers["etag"] == get.headers["etag"]
        assert head.headers["content-type"] == "application/json"
        assert head.headers["content-length"] == str(len(get.content))
        assert head.headers["x-request-id"] == "head-1"

    async def test_a_conditional_head_is_answered_304_like_get(
        self, client: httpx.AsyncClient
    ) -> None:
        post = await create_post(client, await signed_up(client))
        url = f"/api/v1/posts/{post['id']}"
        etag = (await client.get(url)).headers["etag"]

        head = await client.head(url, headers={"If-None-Match": etag})

        assert head.status_code == 304
        assert head.headers["etag"] == etag

    async def test_the_app_sends_no_body_for_head(self, api: Api) -> None:
        sent = await raw_head(api, "/health/live")

        [start] = [message for message in sent if message["type"] == "http.response.start"]
        assert start["status"] == 200
        assert (
            b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body") == b""
        )

    async def test_head_is_counted_as_head_under_its_route(self, client: httpx.AsyncClient) -> None:
        post = await create_post(client, await signed_up(client))
        labels = {"method": "HEAD", "route": "/api/v1/posts/{post_id}", "status": "200"}
        before = sample(await scrape(client), "http_requests_total", **labels)

        await client.head(f"/api/v1/posts/{post['id']}")

        assert sample(await scrape(client), "http_requests_total", **labels) == before + 1

    async def test_a_route_added_later_answers_head_with_no_step_of_its_own(self, api: Api) -> None:
        api.app.include_router(late_router())

        head = await api.client.head("/late/greeting")

        assert head.status_code == 200
        assert head.headers["cache-control"] == "max-age=60"
        assert head.headers["content-type"] == "application/json"

    async def test_a_route_that_takes_head_itself_answers_it(self, api: Api) -> None:
        api.app.include_router(late_router())

        head = await api.client.head("/late/own-head")

        assert head.headers["x-answered-by"] == "head"

    async def test_head_on_a_path_without_get_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.head("/api/v1/auth/token")

        assert response.status_code == 405
        assert response.headers["allow"] == "POST"

    async def test_head_on_an_unknown_path_is_a_404(self, client: httpx.AsyncClient) -> None:
        response = await client.head("/api/v1/nothing-here")

        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
