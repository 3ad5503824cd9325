"""A 405 lists in `Allow` exactly the methods the path serves, from the app's routes."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import APIRouter
from fastapi.routing import iter_route_contexts

from tests.api.conftest import Api, assert_problem

METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
SOME_ID = "01890000-0000-7000-8000-000000000000"


def served_paths(api: Api) -> list[str]:
    """A request path for every route template of the app, documented or not."""
    templates = {
        route.path for route in iter_route_contexts(api.app.routes) if route.path and route.methods
    }
    return sorted(re.sub(r"\{\w+\}", SOME_ID, template) for template in templates)


def hidden_router() -> APIRouter:
    router = APIRouter(prefix="/hidden", include_in_schema=False)

    @router.post("/inbox")
    async def deliver() -> None:
        """Never in the OpenAPI document."""

    @router.get("/inbox/{item}")
    async def read(item: str) -> dict[str, str]:
        return {"item": item}

    @router.delete("/inbox/{item}")
    async def remove(item: str) -> None:
        """Never in the OpenAPI document."""

    return router


class TestAllowedMethods:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("POST", "/metrics"),
            ("OPTIONS", "/openapi.json"),
            ("DELETE", "/docs"),
            ("PUT", "/docs/oauth2-redirect"),
            ("PATCH", "/redoc"),
        ],
    )
    async def test_a_path_hidden_from_the_document_lists_its_methods(
        self, client: httpx.AsyncClient, method: str, path: str
    ) -> None:
        response = await client.request(method, path)

        assert_problem(response, 405)
        assert response.headers["allow"] == "GET, HEAD"

    async def test_routes_included_later_are_listed_under_their_full_path(self, api: Api) -> None:
        api.app.include_router(hidden_router(), prefix="/extra")

        posted = await api.client.put("/extra/hidden/inbox")
        read = await api.client.post("/extra/hidden/inbox/7")

        assert (posted.status_code, posted.headers["allow"]) == (405, "POST")
        assert (read.status_code, read.headers["allow"]) == (405, "DELETE, GET, HEAD")

    async def test_allow_is_exactly_the_methods_that_are_not_refused(self, api: Api) -> None:
        for path in served_paths(api):
            statuses = {method: (await api.client.request(method, path)) for method in METHODS}
            refused = statuses["OPTIONS"]
            assert refused.status_code == 405, path

            answered = {
                method for method, response in statuses.items() if response.status_code != 405
            }
            assert refused.headers["allow"] == ", ".join(sorted(answered)), path
