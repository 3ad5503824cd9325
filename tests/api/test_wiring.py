"""Routes reach the container without a threadpool hop, and overrides reach the routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dependency_injector import providers

from app.application.ports.readers import PostView
from tests.api.conftest import Api, create_post, signed_up
from tests.contract.builders import T0


class TestWiring:
    async def test_no_route_resolves_anything_in_the_threadpool(
        self, api: Api, threadpool_hops: Callable[[], list[Any]]
    ) -> None:
        client = api.client
        auth = await signed_up(client)
        hops = threadpool_hops()

        post = await create_post(client, auth)
        await client.get(f"/api/v1/posts/{post['id']}")
        await client.get("/api/v1/posts")
        await client.get("/api/v1/users/me", headers=auth)
        await client.patch(f"/api/v1/posts/{post['id']}", json={"title": "x"}, headers=auth)
        await client.get("/health/live")

        assert hops == []

    async def test_an_override_on_the_container_reaches_the_route(self, api: Api) -> None:
        view = PostView(
            id="p1",
            title="from the override",
            body="b",
            tags=[],
            author_id="a",
            created_at=T0,
            updated_at=T0,
            version=3,
        )

        class StubQueries:
            async def get_post(self, post_id: str) -> PostView:
                return view

        with api.container.post_query_service.override(providers.Object(StubQueries())):
            response = await api.client.get("/api/v1/posts/p1")

        assert response.json()["title"] == "from the override"
        assert response.headers["etag"] == '"p1.3"'
        after = await api.client.get("/api/v1/posts/p1")
        assert after.status_code == 404
