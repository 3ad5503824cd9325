"""The OpenAPI document, made to say what the service really answers.

FastAPI files every declared error model under `application/json` and adds its own
422 shape; this service answers every error as `application/problem+json` with the
`Problem` / `ValidationProblem` shapes, and any route can fault (500) or, when it
touches a database, find it unavailable (503).
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
            api.openapi_schema = document
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
