"""How routes reach the container: async dependencies, resolved per request, by type.

`provided(PostCommandService)` is a dependency giving what the container's provider of
that class gives now, so `container.<provider>.override(...)` reaches every route, and,
being `async def`, it costs no hop to the threadpool. The app checks at start-up that
every type its routes ask for has exactly one provider (`ProvidersByType.check`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import OAuth2PasswordBearer

from app.application.authentication import Authenticator
from app.application.commands.auth import AuthCommandService
from app.application.commands.idempotent_posts import IdempotentPostCreation
from app.application.commands.posts import PostCommandService
from app.application.commands.users import UserCommandService
from app.application.consistency import ReadYourWrites, act_as
from app.application.ports.health import ReadinessProbes
from app.application.queries.posts import PostQueryService
from app.application.queries.users import UserQueryService
from app.domain.errors import Unauthorized

T = TypeVar("T")


class ProvidersByType:
    """The container's providers by the class they build (Factory and Singleton)."""

    def __init__(self, providers: Mapping[str, Any]) -> None:
        self._by_type: dict[type, list[tuple[str, Callable[[], Any]]]] = {}
        for name, provider in providers.items():
            kind = getattr(provider, "cls", None)
            if isinstance(kind, type):
                self._by_type.setdefault(kind, []).append((name, provider))

    def provider(self, kind: type[T]) -> Callable[[], T]:
        found = self._by_type.get(kind, [])
        if len(found) != 1:
            names = ", ".join(name for name, _ in found) or "none"
            raise LookupError(f"{kind.__qualname__} needs exactly one provider (found: {names})")
        return found[0][1]

    def check(self, kinds: Iterable[type]) -> None:
        """Raise LookupError unless every type has exactly one provider."""
        problems = []
        for kind in kinds:
            try:
                self.provider(kind)
            except LookupError as error:
                problems.append(str(error))
        if problems:
            raise LookupError("; ".join(sorted(set(problems))))


def _providers(request: Request) -> ProvidersByType:
    found: ProvidersByType = request.app.state.providers
    return found


def provided(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency returning what the container's provider of `kind` gives now."""

    async def resolve(request: Request) -> T:
        return _providers(request).provider(kind)()

    resolve.__name__ = f"provide_{kind.__name__}"
    resolve.provides = kind  # type: ignore[attr-defined]
    return resolve


def _api_routes(api: FastAPI) -> list[APIRoute]:
    """Every API route, those of included routers too (the walk `route_methods` uses)."""
    contexts = iter_route_contexts(api.routes)
    return [
        context.original_route
        for context in contexts
        if isinstance(context.original_route, APIRoute)
    ]


def requested_types(api: FastAPI) -> set[type]:
    """Every type the app's routes ask the container for."""
    kinds: set[type] = set()
    pending = [route.dependant for route in _api_routes(api)]
    while pending:
        dependant = pending.pop()
        kind = getattr(dependant.call, "provides", None)
        if isinstance(kind, type):
            kinds.add(kind)
        kinds.update(getattr(dependant.call, "also_provides", ()))
        pending.extend(dependant.dependencies)
    return kinds


PostCommands = Annotated[PostCommandService, Depends(provided(PostCommandService))]
IdempotentPostCommands = Annotated[
    IdempotentPostCreation, Depends(provided(IdempotentPostCreation))
]
UserQueries = Annotated[UserQueryService, Depends(provided(UserQueryService))]
UserCommands = Annotated[UserCommandService, Depends(provided(UserCommandService))]
AuthCommands = Annotated[AuthCommandService, Depends(provided(AuthCommandService))]
Probes = Annotated[ReadinessProbes, Depends(provided(ReadinessProbes))]

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


Consistency = Annotated[ReadYourWrites, Depends(provided(ReadYourWrites))]
TokenChecker = Annotated[Authenticator, Depends(provided(Authenticator))]


async def current_user_id(
    token: Annotated[str | None, Depends(bearer)], authenticator: TokenChecker
) -> str:
    """The signed-in user, whose commits are marked for read-your-writes."""
    if token is None:
        raise Unauthorized("sign in: this route needs a bearer token")
    user_id = authenticator.user_id(token)
    act_as(user_id)
    return user_id


async def signed_in_reader(
    user_id: Annotated[str, Depends(current_user_id)], consistency: Consistency
) -> str:
    """The signed-in user on a read: it sees their own recent writes."""
    await consistency.begin_read(user_id)
    return user_id


async def _begin_public_read(request: Request, providers: ProvidersByType) -> None:
    """On a public read, a valid bearer token (if any) makes its user read their writes.

    The route stays public (no security in its OpenAPI entry); an invalid token is
    simply ignored.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return
    try:
        user_id = providers.provider(Authenticator)().user_id(token)
    except Unauthorized:
        return
    act_as(user_id)
    await providers.provider(ReadYourWrites)().begin_read(user_id)


def for_public_read(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """Like `provided(kind)`, for a query service on a public route: it also decides
    where this request's reads go. One dependency instead of two, on the busiest path:
    FastAPI's cost grows with every dependency it solves."""

    async def resolve(request: Request) -> T:
        providers = _providers(request)
        await _begin_public_read(request, providers)
        return providers.provider(kind)()

    resolve.__name__ = f"provide_{kind.__name__}_for_public_read"
    resolve.provides = kind  # type: ignore[attr-defined]
    resolve.also_provides = (Authenticator, ReadYourWrites)  # type: ignore[attr-defined]
    return resolve


PublicPostQueries = Annotated[PostQueryService, Depends(for_public_read(PostQueryService))]
PublicUserQueries = Annotated[UserQueryService, Depends(for_public_read(UserQueryService))]


CurrentUserId = Annotated[str, Depends(current_user_id)]
SignedInReader = Annotated[str, Depends(signed_in_reader)]
