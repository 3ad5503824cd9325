"""Pure ASGI middleware: request ids on every response, and the last line of defence.

An exception that no handler took becomes a 500 problem here, logged with its
traceback and the request id, without a word of it in the response.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.application.consistency import start_request
from app.interface.problems import problem_response

logger = logging.getLogger("app.requests")

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")


class RequestIdLogFilter(logging.Filter):
    """Gives every log record the id of the request it was written for (`%(request_id)s`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


REQUEST_ID_HEADER = "x-request-id"
_ACCEPTED_ID = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,199}$")
"""Echoed as sent when it is printable ASCII of at most 200 characters; else replaced."""


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        context_token = current_request_id.set(request_id)
        start_request()
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error in request %s", request_id)
            if started:
                raise
            response = problem_response(scope["path"], 500, "an unexpected error occurred")
            await response(scope, receive, send_with_id)
        finally:
            current_request_id.reset(context_token)

    @staticmethod
    def _request_id(scope: Scope) -> str:
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate: str = value.decode("latin-1")
                if _ACCEPTED_ID.fullmatch(candidate):
                    return candidate
                break
        return uuid.uuid4().hex
