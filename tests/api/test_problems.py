"""Errors are RFC 9457 problem details, every response carries a request id."""

from __future__ import annotations

import logging

import httpx
import pytest
from dependency_injector import providers

from tests.api.conftest import Api, assert_problem


class _ExplodingQueries:
    async def get_post(self, post_id: str) -> None:
        raise RuntimeError("SELECT secret_column FROM hidden_table")


class TestProblems:
    async def test_an_unknown_route_is_a_404_problem(self, client: httpx.AsyncClient) -> None:
        problem = assert_problem(await client.get("/api/v1/nothing-here"), 404)

        assert problem["instance"] == "/api/v1/nothing-here"

    async def test_a_wrong_method_is_a_405_problem(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.delete("/api/v1/users"), 405)

    async def test_malformed_json_is_a_422_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/users", content=b"{not json", headers={"Content-Type": "application/json"}
        )

        problem = assert_problem(response, 422)
        assert problem["errors"][0]["type"] == "json_invalid"

    async def test_a_body_that_cannot_be_decoded_is_a_422_problem(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/api/v1/users",
            content=b'{"email": "\xff"}',
            headers={"Content-Type": "application/json"},
        )

        problem = assert_problem(response, 422)
        assert problem["errors"][0]["loc"] == ["body"]

    async def test_an_unhandled_fault_is_a_500_without_internals(
        self, api: Api, caplog: pytest.LogCaptureFixture
    ) -> None:
        api.container.post_query_service.override(providers.Object(_ExplodingQueries()))
        caplog.set_level(logging.ERROR)

        response = await api.client.get("/api/v1/posts/any", headers={"X-Request-ID": "req-42"})

        problem = assert_problem(response, 500)
        assert "secret" not in response.text
        assert "Traceback" not in response.text
        assert problem["detail"] == "an unexpected error occurred"
        assert response.headers["x-request-id"] == "req-42"
        assert any(
            "hidden_table" in record.exc_text for record in caplog.records if record.exc_text
        )


class TestRequestId:
    async def test_a_request_id_is_generated(self, client: httpx.AsyncClient) -> None:
        first = await client.get("/health/live")
        second = await client.get("/health/live")

        assert first.headers["x-request-id"] != second.headers["x-request-id"]
        assert len(first.headers["x-request-id"]) >= 16

    async def test_the_clients_request_id_is_echoed(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/posts/missing", headers={"X-Request-ID": "abc-123"})

        assert response.headers["x-request-id"] == "abc-123"

    async def test_a_printable_request_id_is_echoed_as_sent(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/health/live", headers={"X-Request-ID": "abc 123/x=y"})

        assert response.headers["x-request-id"] == "abc 123/x=y"

    async def test_an_unsafe_request_id_is_replaced(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health/live", headers={"X-Request-ID": "a b\tc" * 50})

        assert response.headers["x-request-id"] != "a b\tc" * 50


class TestOpenApi:
    async def test_the_document_describes_every_route_and_its_problems(
        self, client: httpx.AsyncClient
    ) -> None:
        document = (await client.get("/openapi.json")).json()

        paths = document["paths"]
        assert {
            "/api/v1/users",
            "/api/v1/users/me",
            "/api/v1/users/{user_id}",
            "/api/v1/auth/token",
            "/api/v1/auth/refresh",
            "/api/v1/posts",
            "/api/v1/posts/{post_id}",
            "/health/live",
            "/health/ready",
        } <= paths.keys()
        put = paths["/api/v1/posts/{post_id}"]["put"]
        assert {"200", "401", "403", "404", "412", "422", "500", "503"} <= put["responses"].keys()
        assert "bearer" in str(document["components"]["securitySchemes"]).lower()

    async def test_conditional_headers_are_documented(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()

        operations = document["paths"]["/api/v1/posts/{post_id}"]
        headers = {
            method: {
                p["name"].lower() for p in operations[method]["parameters"] if p["in"] == "header"
            }
            for method in ("get", "put", "patch", "delete")
        }
        assert headers == {
            "get": {"if-none-match"},
            "put": {"if-match"},
            "patch": {"if-match"},
            "delete": {"if-match"},
        }
        assert "security" not in operations["get"]  # public: a token only adds read-your-writes

    async def test_every_error_is_documented_as_a_problem(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()

        schemas = document["components"]["schemas"]
        for operations in document["paths"].values():
            for operation in operations.values():
                for status, response in operation["responses"].items():
                    if int(status) < 400:
                        continue
                    expected = "ValidationProblem" if status == "422" else "Problem"
                    assert response["content"] == {
                        "application/problem+json": {
                            "schema": {"$ref": f"#/components/schemas/{expected}"}
                        }
                    }
        assert "HTTPValidationError" not in schemas
        assert {"type", "title", "status", "detail", "instance"} <= set(
            schemas["Problem"]["properties"]
        )
        assert "errors" in schemas["ValidationProblem"]["properties"]

    async def test_the_interactive_docs_are_served(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/docs")

        assert response.status_code == 200
        assert "swagger" in response.text.lower()


class TestMethodNotAllowed:
    @pytest.mark.parametrize(
        ("method", "path", "allowed"),
        [
            ("DELETE", "/api/v1/posts", "GET, HEAD, POST"),
            ("POST", f"/api/v1/posts/{'0' * 8}", "DELETE, GET, HEAD, PATCH, PUT"),
            ("PUT", "/health/live", "GET, HEAD"),
        ],
    )
    async def test_405_names_every_method_the_path_takes(
        self, client: httpx.AsyncClient, method: str, path: str, allowed: str
    ) -> None:
        response = await client.request(method, path)

        assert_problem(response, 405)
        assert response.headers["allow"] == allowed
