"""The methods a path is served with, read from the app's routes.

Every route counts, whether the OpenAPI document shows it or not (`/metrics`, the docs),
and routes of included routers count under their full path. Read at each call rather
than kept: only a 405 and a HEAD ask, and a route added later is counted at once.
"""

from __future__ import annotations

from fastapi.routing import iter_route_contexts
from starlette.routing import Match
from starlette.types import Scope


def route_methods(scope: Scope) -> set[str]:
    """The methods that the routes matching the request's path take themselves."""
    methods: set[str] = set()
    for route in iter_route_contexts(scope["app"].routes):
        match, _ = route.matches(scope)
        if match is not Match.NONE and route.methods:
            methods |= route.methods
    return methods


def allowed_methods(scope: Scope) -> list[str]:
    """What a 405 lists in `Allow`: the routes' methods, and HEAD wherever GET is."""
    methods = route_methods(scope)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)
