"""Users: registration, the signed-in user's account, public profiles."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from app.application.commands.users import RegisterUser
from app.interface.dependencies import (
    PublicUserQueries,
    SignedInReader,
    UserCommands,
    UserQueries,
)
from app.interface.parameters import UserId
from app.interface.problems import problem_responses
from app.interface.schemas.users import PublicProfileOut, UserOut, UserStatsOut

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=problem_responses(409, 422, 429),
)
async def register_user(
    command: RegisterUser, users: UserCommands, request: Request, response: Response
) -> UserOut:
    """Create an account; the email must not be taken, in any case.

    One client address registering too often is answered 429 with `Retry-After` until
    its window closes.
    """
    address = request.client.host if request.client else None
    user = await users.register(command, address=address)
    response.headers["Location"] = f"{router.prefix}/{user.id}"
    return UserOut.model_validate(user, from_attributes=True)


@router.get("/me", response_model=UserOut, responses=problem_responses(401))
async def get_current_user(user_id: SignedInReader, users: UserQueries) -> UserOut:
    """The signed-in user's account."""
    return UserOut.model_validate(await users.get_account(user_id), from_attributes=True)


@router.get(
    "/{user_id}",
    response_model=PublicProfileOut,
    responses=problem_responses(404),
)
async def get_user_profile(user_id: UserId, users: PublicUserQueries) -> PublicProfileOut:
    """What anyone may see of a user."""
    return PublicProfileOut.model_validate(await users.get_user(user_id), from_attributes=True)


@router.get(
    "/{user_id}/stats",
    response_model=UserStatsOut,
    responses=problem_responses(404),
)
async def get_user_stats(user_id: UserId, users: PublicUserQueries) -> UserStatsOut:
    """How many current posts the user has, when the newest was created, and how many
    current comments the user has.

    Fed asynchronously from domain events: correct within seconds of a write.
    """
    return UserStatsOut.model_validate(await users.get_stats(user_id), from_attributes=True)
