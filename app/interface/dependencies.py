"""How routes reach the container: async dependencies, resolved per request.

Each dependency looks the provider up on the container held by the app at request
time, so `container.<provider>.override(...)` reaches every route, and, being `async
def`, none of them costs a hop to the threadpool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.application.authentication import Authenticator
from app.application.commands.auth import AuthCommandService
from app.application.commands.posts import PostCommandService
from app.application.commands.users import UserCommandService
from app.application.consistency import ReadYourWrites, act_as
from app.application.ports.health import ComponentProbe
from app.application.queries.posts import PostQueryService
from app.application.queries.users import UserQueryService
from app.domain.errors import Unauthorized


def provided(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency returning what the container's provider `name` gives now."""

    async def resolve(request: Request) -> Any:
        return getattr(request.app.state.container, name)()

    resolve.__name__ = f"provide_{name}"
    return resolve


PostCommands = Annotated[PostCommandService, Depends(provided("post_command_service"))]
UserQueries = Annotated[UserQueryService, Depends(provided("user_query_service"))]
UserCommands = Annotated[UserCommandService, Depends(provided("user_command_service"))]
AuthCommands = Annotated[AuthCommandService, Depends(provided("auth_command_service"))]
Probes = Annotated[list[ComponentProbe], Depends(provided("readiness_probes"))]

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


Consistency = Annotated[ReadYourWrites, Depends(provided("read_your_writes"))]
TokenChecker = Annotated[Authenticator, Depends(provided("authenticator"))]


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


async def _begin_public_read(request: Request, container: Any) -> None:
    """On a public read, a valid bearer token (if any) makes its user read their writes.

    The route stays public (no security in its OpenAPI entry); an invalid token is
    simply ignored.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return
    try:
        user_id = container.authenticator().user_id(token)
    except Unauthorized:
        return
    act_as(user_id)
    await container.read_your_writes().begin_read(user_id)


def for_public_read(name: str) -> Callable[[Request], Awaitable[Any]]:
    """Like `provided(name)`, for a query service on a public route: it also decides
    where this request's reads go. One dependency instead of two, on the busiest path:
    FastAPI's cost grows with every dependency it solves."""

    async def resolve(request: Request) -> Any:
        container = request.app.state.container
        await _begin_public_read(request, container)
        return getattr(container, name)()

    resolve.__name__ = f"provide_{name}_for_public_read"
    return resolve


PublicPostQueries = Annotated[PostQueryService, Depends(for_public_read("post_query_service"))]
PublicUserQueries = Annotated[UserQueryService, Depends(for_public_read("user_query_service"))]


CurrentUserId = Annotated[str, Depends(current_user_id)]
SignedInReader = Annotated[str, Depends(signed_in_reader)]
