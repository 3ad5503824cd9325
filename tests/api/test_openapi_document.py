"""The OpenAPI document reads as an API: named operations and named schemas."""

from __future__ import annotations

import re
from typing import Any

import httpx


async def _document(client: httpx.AsyncClient) -> dict[str, dict[str, dict[str, object]]]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, dict[str, dict[str, object]]] = response.json()
    return document


def _operations(document: dict[str, dict[str, dict[str, object]]]) -> dict[str, str]:
    """'METHOD path' -> operation id."""
    return {
        f"{method.upper()} {path}": str(operation["operationId"])  # type: ignore[index]
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


class TestOperationIds:
    async def test_operations_are_named_by_what_they_do(self, client: httpx.AsyncClient) -> None:
        operations = _operations(await _document(client))

        assert operations["POST /api/v1/posts"] == "create_post"
        assert operations["GET /api/v1/posts"] == "list_posts"
        assert operations["GET /api/v1/posts/{post_id}"] == "get_post"
        assert operations["GET /api/v1/users/me"] == "get_current_user"
        assert operations["POST /api/v1/auth/token"] == "issue_token"

    async def test_every_operation_id_is_a_unique_name_without_its_path(
        self, client: httpx.AsyncClient
    ) -> None:
        operations = _operations(await _document(client))
        ids = list(operations.values())

        assert len(ids) == len(set(ids))
        assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", name) for name in ids), ids
        # FastAPI's own ids append the path and the method: create_post_api_v1_posts_post.
        slugs = {operation: re.sub(r"\W+", "_", operation.split()[1]) for operation in operations}
        assert [name for operation, name in operations.items() if slugs[operation] in name] == []

    async def test_no_schema_has_a_generated_name(self, client: httpx.AsyncClient) -> None:
        schemas = (await _document(client))["components"]["schemas"]

        assert not [name for name in schemas if name.startswith("Body_") or "__" in name]


class TestHealthDocument:
    async def test_readiness_documents_its_body_and_its_503(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await _document(client)
        responses = document["paths"]["/health/ready"]["get"]["responses"]  # type: ignore[index]

        ok = responses["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": "#/components/schemas/ReadinessOut"}
        assert "503" in responses
        ready = document["components"]["schemas"]["ReadinessOut"]
        assert set(ready["required"]) == {"status", "components"}  # type: ignore[index]
        assert ready["examples"]  # type: ignore[index]


API_HEADERS = (
    "X-Request-ID",
    "WWW-Authenticate",
    "Retry-After",
    "Location",
    "ETag",
    "Idempotent-Replayed",
)


class TestDeclaredHeaders:
    async def test_every_header_a_response_carries_is_declared_on_it(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await _document(client)
        answered: list[tuple[str, str, httpx.Response]] = []

        async def call(method: str, template: str, path: str, **options: object) -> httpx.Response:
            response = await client.request(method, path, **options)  # type: ignore[arg-type]
            answered.append((method.lower(), template, response))
            return response

        ada = {"email": "ada@example.com", "password": "correct horse", "display_name": "Ada"}
        await call("POST", "/api/v1/users", "/api/v1/users", json=ada)
        form = {"username": ada["email"], "password": ada["password"]}
        token = (await call("POST", "/api/v1/auth/token", "/api/v1/auth/token", data=form)).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        once = {**auth, "Idempotency-Key": "first-post"}
        body = {"title": "Hello", "body": "World", "tags": ["news"]}
        post = (
            await call("POST", "/api/v1/posts", "/api/v1/posts", json=body, headers=once)
        ).json()
        await call("POST", "/api/v1/posts", "/api/v1/posts", json=body, headers=once)
        one = "/api/v1/posts/{post_id}"
        path = f"/api/v1/posts/{post['id']}"
        etag = (await call("GET", one, path)).headers["etag"]
        await call("GET", one, path, headers={"If-None-Match": etag})
        await call(
            "PATCH", one, path, json={"title": "Patched"}, headers={**auth, "If-Match": etag}
        )
        await call("GET", "/api/v1/posts", "/api/v1/posts")
        comments = "/api/v1/posts/{post_id}/comments"
        await call("POST", comments, f"{path}/comments", json={"body": "Nice"}, headers=auth)
        await call("GET", "/api/v1/users/me", "/api/v1/users/me")
        wrong = {"username": ada["email"], "password": "not the password"}
        for _ in range(6):
            await call("POST", "/api/v1/auth/token", "/api/v1/auth/token", data=wrong)
        await call("DELETE", one, path, headers=auth)

        undeclared = []
        seen: set[str] = set()
        for method, template, response in answered:
            operation = document["paths"][template][method]
            declared = operation["responses"][str(response.status_code)].get("headers", {})  # type: ignore[index]
            for name in API_HEADERS:
                if name.lower() in response.headers:
                    seen.add(name)
                    if name not in declared:
                        undeclared.append((method, template, response.status_code, name))

        assert undeclared == []
        assert seen == set(API_HEADERS)  # the flows above meet every header


def _body_schemas(document: dict[str, Any]) -> set[str]:
    """The schemas used as a whole request or response body."""
    names = set()
    for item in document["paths"].values():
        for operation in item.values():
            bodies = [operation.get("requestBody", {})]
            bodies += list(operation.get("responses", {}).values())
            for body in bodies:
                for media in body.get("content", {}).values():
                    reference = media.get("schema", {}).get("$ref", "")
                    if reference:
                        names.add(reference.rsplit("/", 1)[1])
    return names


class TestDescriptions:
    async def test_every_field_and_parameter_is_described(self, client: httpx.AsyncClient) -> None:
        document: dict[str, Any] = await _document(client)

        fields = [
            f"{name}.{field}"
            for name, schema in document["components"]["schemas"].items()
            for field, spec in schema.get("properties", {}).items()
            if not spec.get("description")
        ]
        parameters = [
            f"{method} {path} {parameter['name']}"
            for path, item in document["paths"].items()
            for method, operation in item.items()
            for parameter in operation.get("parameters", [])
            if not parameter.get("description")
        ]
        assert (fields, parameters) == ([], [])

    async def test_every_body_has_an_example(self, client: httpx.AsyncClient) -> None:
        document: dict[str, Any] = await _document(client)
        schemas = document["components"]["schemas"]

        bodies = _body_schemas(document)
        assert {"PostCommand", "PostOut", "SignInForm", "Problem"} <= bodies
        assert [name for name in sorted(bodies) if not schemas[name].get("examples")] == []

    async def test_q_says_it_searches_titles_only(self, client: httpx.AsyncClient) -> None:
        document: dict[str, Any] = await _document(client)
        parameters = document["paths"]["/api/v1/posts"]["get"]["parameters"]

        [q] = [parameter for parameter in parameters if parameter["name"] == "q"]
        assert "titles only" in q["description"]
