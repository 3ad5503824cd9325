"""The OpenAPI document, made to say what the service really answers.

FastAPI files every declared error model under `application/json` and adds its own
422 shape; this service answers every error as `application/problem+json` with the
`Problem` / `ValidationProblem` shapes, and any route can fault (500) or, when it
touches a database, find it unavailable (503).

Every response header the service sends is declared on the responses that carry it:
`X-Request-ID` on all, `WWW-Authenticate` on 401, `Retry-After` on 429, `Location` on
201, `ETag` wherever a post is the body (and on its 304), and `Idempotent-Replayed` on
creations that take an `Idempotency-Key`.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from app.interface.problems import PROBLEM_JSON, Problem, ValidationProblem

_SCHEMAS = "#/components/schemas/"
_FASTAPI_VALIDATION = {"HTTPValidationError", "ValidationError"}


def _problem_content(model: type[Problem]) -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": f"{_SCHEMAS}{model.__name__}"}}}


def _as_problems(responses: dict[str, Any]) -> None:
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        model = ValidationProblem if status == "422" else Problem
        response["content"] = _problem_content(model)


def _undeclared_validation(routers: list[APIRouter]) -> set[tuple[str, str]]:
    """Operations that FastAPI gave a 422 although their parameters cannot fail."""
    return {
        (route.path, method.lower())
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and 422 not in route.responses
        for method in route.methods or ()
    }


def _describe_problems(
    document: dict[str, Any], database_paths: str, no_validation: set[tuple[str, str]]
) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, ValidationProblem):
        schema = model.model_json_schema(ref_template=_SCHEMAS + "{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if (path, method) in no_validation:
                responses.pop("422", None)
            _as_problems(responses)
            extra = [500, 503] if path.startswith(database_paths) else [500]
            for status in extra:
                responses.setdefault(
                    str(status),
                    {
                        "description": HTTPStatus(status).phrase,
                        "content": _problem_content(Problem),
                    },
                )


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


HEADERS = {
    "X-Request-ID": _header(
        "the request's id: the client's X-Request-ID when printable, else a new one; "
        "it is in every log line written for the request"
    ),
    "WWW-Authenticate": _header("`Bearer`: send an access token from /api/v1/auth/token"),
    "Retry-After": _header("seconds until the window that refused the request closes"),
    "Location": _header("the path of the created resource"),
    "ETag": _header("the post's version; send it in If-Match to write, If-None-Match to read"),
    "Idempotent-Replayed": _header(
        "`true` when this answers an earlier request with the same Idempotency-Key"
    ),
}
_VERSIONED = f"{_SCHEMAS}PostOut"
"""Responses with this body carry the post's ETag."""


def _declared(operation: dict[str, Any], status: str, response: dict[str, Any]) -> list[str]:
    names = ["X-Request-ID"]
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    has_version = schema.get("$ref") == _VERSIONED
    if status == "401":
        names.append("WWW-Authenticate")
    if status == "429":
        names.append("Retry-After")
    if status == "201":
        names.append("Location")
    if has_version or (status == "304" and _returns_a_post(operation)):
        names.append("ETag")
    idempotent = any(
        str(parameter.get("name", "")).lower() == "idempotency-key"
        for parameter in operation.get("parameters", [])
    )
    if idempotent and status.startswith("2"):
        names.append("Idempotent-Replayed")
    return names


def _returns_a_post(operation: dict[str, Any]) -> bool:
    ok = operation.get("responses", {}).get("200", {})
    return bool(
        ok.get("content", {}).get("application/json", {}).get("schema", {}) == {"$ref": _VERSIONED}
    )


def _declare_headers(document: dict[str, Any]) -> None:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                for name in _declared(operation, status, response):
                    headers.setdefault(name, HEADERS[name])


def install_openapi(api: FastAPI, routers: list[APIRouter], *, database_paths: str) -> None:
    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            document = get_openapi(
                title=api.title,
                version=api.version,
                summary=api.summary,
                routes=api.routes,
            )
            _describe_problems(document, database_paths, _undeclared_validation(routers))
            _declare_headers(document)
            api.openapi_schema = document
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
