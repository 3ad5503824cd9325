"""HEAD on every path that GET serves (RFC 9110, 9.3.2), for every route, present or future.

A HEAD request on a path whose routes take GET but not HEAD reaches the GET route as a
GET: same status, same headers (ETag, Content-Type, the GET body's Content-Length), and
a conditional HEAD is answered 304 as the GET would be. The body is never sent, whichever
route answered. A route that takes HEAD itself answers it; a path without GET refuses
HEAD with a 405 like any other method it does not take.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.interface.route_methods import route_methods


class HeadRequests:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        methods = route_methods(scope)
        inner = scope
        if "GET" in methods and "HEAD" not in methods:
            # A copy: the server reads the method from its own scope to know that the
            # response has no body.
            inner = {**scope, "method": "GET"}

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(inner, receive, without_body)
        finally:
            if "route" in inner:
                scope["route"] = inner["route"]  # counted and logged under its route
