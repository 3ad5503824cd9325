"""Tokens: sign in with a password, refresh with a refresh token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from app.application.commands.auth import TokenPair
from app.interface.dependencies import AuthCommands
from app.interface.problems import problem_responses
from app.interface.schemas.users import RefreshIn, SignInForm, TokenPairOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/token", response_model=TokenPairOut, responses=problem_responses(401, 422, 429))
async def issue_token(
    form: Annotated[SignInForm, Form()],
    auth: AuthCommands,
    request: Request,
    response: Response,
) -> TokenPairOut:
    """Sign in (OAuth2 password flow): a short-lived access token and a refresh token.

    Repeated failures for one account or from one address are answered 429 with
    `Retry-After` until their window closes.
    """
    response.headers["Cache-Control"] = "no-store"
    address = request.client.host if request.client else None
    return _token_pair(await auth.login(form.username, form.password, address=address))


@router.post("/refresh", response_model=TokenPairOut, responses=problem_responses(401, 422))
async def refresh_token(body: RefreshIn, auth: AuthCommands, response: Response) -> TokenPairOut:
    """Trade a refresh token, once, for a new pair."""
    response.headers["Cache-Control"] = "no-store"
    return _token_pair(await auth.refresh(body.refresh_token))


def _token_pair(pair: TokenPair) -> TokenPairOut:
    return TokenPairOut(
        access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token
    )
