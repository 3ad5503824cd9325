"""Pure ASGI middleware around every request: its id, its metrics and its log line, and
the last line of defence.

Each request gets an id (the client's `X-Request-ID` if printable, else a new one),
echoed on the response and carried by every log record written for it. When the
response is complete, the request is counted and timed by route template and status,
and one access line is logged: method, path, route, status, duration, and the user id
when a token named one (never a header, a token or a body). An exception that no handler
took becomes a 500 problem here, logged with its traceback and the request id, without
a word of it in the response.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.application.consistency import current_actor, start_request
from app.interface.metrics import UNMATCHED, observe_request
from app.interface.problems import problem_response

logger = logging.getLogger("app.requests")
access_logger = logging.getLogger("app.access")
QUIET_PREFIXES = ("/health/", "/metrics")
"""Probes and scrapes are logged at DEBUG: they would drown the requests in INFO."""

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")


class RequestIdLogFilter(logging.Filter):
    """Gives every log record the id of the request it was written for (`%(request_id)s`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


REQUEST_ID_HEADER = "x-request-id"
_ACCEPTED_ID = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,199}$")
"""Echoed as sent when it is printable ASCII of at most 200 characters; else replaced."""


class RequestMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        request_id = self._request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        context_token = current_request_id.set(request_id)
        start_request()
        status: int | None = None  # set once the response has started

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error in request %s", request_id)
            if status is not None:
                raise
            response = problem_response(scope["path"], 500, "an unexpected error occurred")
            await response(scope, receive, send_with_id)
        finally:
            # No status: the client left, or the server stopped, before any response.
            self._record(scope, status or 499, time.perf_counter() - started_at)
            current_request_id.reset(context_token)

    @staticmethod
    def _route_template(scope: Scope) -> str:
        """The matched route's path template; the framework's own routes (/docs,
        /openapi.json), which do not name their route in the scope, by their endpoint."""
        path: str | None = getattr(scope.get("route"), "path", None)
        if path:
            return path
        endpoint = scope.get("endpoint")
        if endpoint is not None:
            for route in getattr(scope.get("app"), "routes", ()):
                if endpoint in (getattr(route, "endpoint", None), getattr(route, "app", None)):
                    return str(route.path)  # a route, or a mount such as /docs/assets
        return UNMATCHED

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float) -> None:
        template = RequestMiddleware._route_template(scope)
        method = scope["method"]
        observe_request(method, template, status, seconds)
        path = scope["path"]
        level = logging.DEBUG if path.startswith(QUIET_PREFIXES) else logging.INFO
        if access_logger.isEnabledFor(level):
            duration_ms = round(seconds * 1000, 2)
            user_id = current_actor()
            access_logger.log(
                level,
                "%s %s %s %.2f ms%s",
                method,
                path,
                status,
                duration_ms,
                f" user={user_id}" if user_id else "",
                extra={
                    "method": method,
                    "path": path,
                    "route": template,
                    "status": status,
                    "duration_ms": duration_ms,
                    "user_id": user_id,
                },
            )

    @staticmethod
    def _request_id(scope: Scope) -> str:
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate: str = value.decode("latin-1")
                if _ACCEPTED_ID.fullmatch(candidate):
                    return candidate
                break
        return uuid.uuid4().hex
