"""Response bodies of users and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class UserOut(BaseModel):
    """A user's own account."""

    id: str
    email: str
    display_name: str
    created_at: datetime


class PublicProfileOut(BaseModel):
    """What anyone may see of a user."""

    id: str
    display_name: str
    created_at: datetime


class UserStatsOut(BaseModel):
    user_id: str
    post_count: int
    last_post_at: datetime | None
    comment_count: int


class TokenPairOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (a scheme name)
    expires_in: int
    refresh_token: str = Field(min_length=1, max_length=4096)


class SignInForm(BaseModel):
    """The OAuth2 password grant (RFC 6749, section 4.3), form-encoded."""

    username: str = Field(max_length=254, description="the account's email")
    password: str = Field(max_length=128, description="the account's password")
    grant_type: Literal["password"] | None = Field(
        default=None, description="`password` when given: the only grant this endpoint serves"
    )


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=4096)
