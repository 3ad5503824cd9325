"""Size limits checked before a request reaches a route: its URL, headers and body.

A URL longer than `max_url_bytes` (path and query string) is refused with 414, headers
larger than `max_header_bytes` (names and values) with 431, and a body announced by
`Content-Length` as larger than `max_body_bytes` with 413: before a byte of the body is
read, a token is checked or a database is touched. A body sent without a length
(chunked) is counted as it arrives and refused with 413 as soon as it passes the limit.
Every refusal closes the connection, so the server reads no more of the body.

Starlette's own body limit is not used: outside a route's body parsing it answers in
plain text rather than problem details, and it leaves the connection open, so the
server keeps reading the body it refused.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.interface.problems import problem_response

BODY_TOO_LARGE = "the request body is larger than {limit} bytes"
CLOSE = {"Connection": "close"}
INSTANCE_CHARACTERS = 200
URL_TOO_LONG = "the URL is longer than {limit} bytes"
HEADERS_TOO_LARGE = "the request headers are larger than {limit} bytes"


class RequestLimits:
    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_url_bytes: int, max_header_bytes: int
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_url_bytes = max_url_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            status, detail = refusal
            # The instance names the path, cut short: a refused URL may be very long.
            instance = scope["path"][:INSTANCE_CHARACTERS]
            response = problem_response(instance, status, detail, headers=CLOSE)
            await response(scope, receive, send)
            return
        await self.app(scope, self._counting(receive), send)

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        url_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(
            scope.get("query_string", b"")
        )
        if url_bytes > self.max_url_bytes:
            return 414, URL_TOO_LONG.format(limit=self.max_url_bytes)
        header_bytes = 0
        announced: bytes | None = None
        for name, value in scope["headers"]:
            header_bytes += len(name) + len(value)
            if name == b"content-length":
                announced = value
        if header_bytes > self.max_header_bytes:
            return 431, HEADERS_TOO_LARGE.format(limit=self.max_header_bytes)
        if announced is not None:
            if not announced.isdigit():
                return 400, "the Content-Length header is not a number"
            if int(announced) > self.max_body_bytes:
                return 413, BODY_TOO_LARGE.format(limit=self.max_body_bytes)
        return None

    def _counting(self, receive: Receive) -> Receive:
        """`receive`, refusing the request (413) once its body passes the limit."""
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # Raised into the route's body parsing; the problem handlers answer it.
                    detail = BODY_TOO_LARGE.format(limit=self.max_body_bytes)
                    raise HTTPException(413, detail, headers=CLOSE)
            return message

        return counted
