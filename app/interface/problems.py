"""RFC 9457 problem details: the one place where errors become HTTP responses."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import (
    AppError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    TooManyAttempts,
    Unauthorized,
    Unavailable,
)
from app.interface.route_methods import allowed_methods

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

STATUS_OF: dict[type[AppError], int] = {
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    PreconditionFailed: 412,
    InvalidInput: 422,
    TooManyAttempts: 429,
    Unavailable: 503,
}


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "post 01936f4e-8c2a-7b3d-9f10-2a4b6c8d0e1f does not exist",
                    "instance": "/api/v1/posts/01936f4e-8c2a-7b3d-9f10-2a4b6c8d0e1f",
                }
            ]
        }
    )

    type: str = Field(default="about:blank", description="`about:blank`: the status says it all")
    title: str = Field(description="the status's phrase")
    status: int = Field(description="the HTTP status, repeated")
    detail: str = Field(description="what went wrong, for a person to read")
    instance: str = Field(description="the path of the request")


class ValidationIssue(BaseModel):
    """One invalid part of a request."""

    loc: list[str | int] = Field(
        description="where: `body`, `query`, `path` or `header`, then names"
    )
    msg: str = Field(description="what is wrong with it")
    type: str = Field(description="a stable name of the kind of error, e.g. `string_too_long`")


class ValidationProblem(Problem):
    """A 422: the request was well-formed but some of its parts are invalid."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Unprocessable Entity",
                    "status": 422,
                    "detail": "the request is not valid; see errors",
                    "instance": "/api/v1/posts",
                    "errors": [
                        {
                            "loc": ["body", "title"],
                            "msg": "String should have at most 200 characters",
                            "type": "string_too_long",
                        }
                    ],
                }
            ]
        }
    )

    errors: list[ValidationIssue] = Field(description="every invalid part, one entry each")


def problem_response(
    request_path: str,
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request_path,
    }
    if errors is not None:
        body["errors"] = errors
    if extensions:
        body.update(extensions)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _status_of(error: AppError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 500


async def _app_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AppError)
    status = _status_of(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after)}
    errors = None
    if isinstance(error, InvalidInput):
        location: list[str | int] = ["body", error.field] if error.field else ["body"]
        errors = [{"loc": location, "msg": error.detail, "type": "value_error"}]
    return problem_response(request.url.path, status, error.detail, headers=headers, errors=errors)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {
            "loc": list(item.get("loc", ())),
            "msg": str(item.get("msg", "")),
            "type": item.get("type", ""),
        }
        for item in error.errors()
    ]
    return problem_response(
        request.url.path, 422, "the request is not valid; see errors", errors=errors
    )


BODY_NOT_PARSED = "There was an error parsing the body"


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400 and error.detail == BODY_NOT_PARSED:
        # A body that cannot even be decoded is invalid input, like malformed JSON.
        errors = [{"loc": ["body"], "msg": "the body could not be decoded", "type": "body_invalid"}]
        return problem_response(
            request.url.path, 422, "the request is not valid; see errors", errors=errors
        )
    phrase = HTTPStatus(error.status_code).phrase
    detail = error.detail if isinstance(error.detail, str) and error.detail != phrase else phrase
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.scope))
    return problem_response(request.url.path, error.status_code, detail, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problem statuses a route can answer with.

    Their bodies are filled in as problem details when the document is built (`openapi.py`).
    """
    return {status: {"description": HTTPStatus(status).phrase} for status in statuses}
