"""A trailing slash too many (or too few) redirects to the route, never to a client's host."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.interface.trailing_slash import install_trailing_slash_redirect
from tests.api.conftest import assert_problem, create_post, signed_up

HOSTILE = "evil.example"


class TestTrailingSlashRedirect:
    @pytest.mark.parametrize(
        "headers",
        [
            {"Host": HOSTILE},
            {"X-Forwarded-Host": HOSTILE},
            {"Host": HOSTILE, "X-Forwarded-Host": HOSTILE, "X-Forwarded-Proto": "https"},
        ],
    )
    async def test_the_location_names_no_host_the_client_sent(
        self, client: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.get("/api/v1/posts/?limit=5&tag=a", headers=headers)

        assert response.status_code == 307
        assert response.headers["location"] == "/api/v1/posts?limit=5&tag=a"

    @pytest.mark.parametrize(
        ("method", "path", "location"),
        [
            ("POST", "/api/v1/posts/", "/api/v1/posts"),
            ("HEAD", "/api/v1/posts/", "/api/v1/posts"),
            ("DELETE", "/api/v1/posts/some-id/", "/api/v1/posts/some-id"),
            ("GET", "/health/live/", "/health/live"),
            ("GET", "/api/v1/posts/a%20b%25/", "/api/v1/posts/a%20b%25"),
        ],
    )
    async def test_every_redirect_is_relative_and_keeps_the_method(
        self, client: httpx.AsyncClient, method: str, path: str, location: str
    ) -> None:
        response = await client.request(method, path, headers={"Host": HOSTILE})

        assert response.status_code == 307
        assert response.headers["location"] == location

    async def test_following_it_stays_on_the_host_the_client_asked(
        self, client: httpx.AsyncClient
    ) -> None:
        post = await create_post(client, await signed_up(client))

        response = await client.get(
            f"/api/v1/posts/{post['id']}/", headers={"Host": HOSTILE}, follow_redirects=True
        )

        assert response.status_code == 200
        assert response.json()["id"] == post["id"]
        assert response.url.host == "test"

    async def test_a_path_served_in_neither_form_is_a_404(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/api/v1/nothing-here/"), 404)

    async def test_a_missing_slash_is_added(self) -> None:
        app = FastAPI()
        install_trailing_slash_redirect(app)

        @app.get("/folder/")
        async def folder() -> dict[str, str]:
            return {}

        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            response = await client.get("/folder?x=1", headers={"Host": HOSTILE})

        assert (response.status_code, response.headers["location"]) == (307, "/folder/?x=1")

    async def test_a_path_is_never_read_as_a_host(self) -> None:
        app = FastAPI()
        install_trailing_slash_redirect(app)

        @app.get("//evil.example")
        async def oddly_named() -> dict[str, str]:
            return {}

        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            response = await client.get("http://test//evil.example/")

        assert response.status_code == 307
        assert response.headers["location"] == "/%2Fevil.example"
