"""A path that no route takes, but would with its trailing slash added or removed, is
redirected there: `GET /api/v1/posts/?limit=5` answers `307` with
`Location: /api/v1/posts?limit=5`.

The redirect is kept rather than answered 404: clients written against it go on working,
and 307 repeats the request with its method and body. Its `Location` is relative (path
and query only): the client resolves it against the URL it sent, so it is right under
any host name, behind any proxy and over TLS, and the `Host` or `X-Forwarded-Host` a
client sends never reaches it. Starlette's own redirect writes an absolute URL built
from the `Host` header, so it is turned off.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

_PATH_CHARACTERS = "/!$&'()*+,;=:@"
"""Left as they are in the path (RFC 3986 `pchar`); everything else is percent-encoded."""


def _other_form(path: str) -> str:
    return path.rstrip("/") if path.endswith("/") else path + "/"


def _relative_location(scope: Scope, path: str) -> str:
    location = quote(path, safe=_PATH_CHARACTERS)
    if location.startswith("//"):
        location = "/%2F" + location[2:]  # else read as `//host/...`
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{location}?{query}" if query else location


def _redirect_target(routes: list[BaseRoute], scope: Scope) -> str | None:
    if scope["type"] != "http" or scope["path"] in ("", "/"):
        return None
    path = _other_form(scope["path"])
    other = {**scope, "path": path}
    for route in routes:
        match, _ = route.matches(other)
        if match is not Match.NONE:
            return path
    return None


def install_trailing_slash_redirect(api: FastAPI) -> None:
    api.router.redirect_slashes = False
    not_found: ASGIApp = api.router.default

    async def redirect_or_not_found(scope: Scope, receive: Receive, send: Send) -> None:
        target = _redirect_target(api.router.routes, scope)
        if target is None:
            await not_found(scope, receive, send)
            return
        response = RedirectResponse(_relative_location(scope, target), status_code=307)
        await response(scope, receive, send)

    api.router.default = redirect_or_not_found
