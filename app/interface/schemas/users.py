"""Response bodies of users and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

USER_ID = "01936f4d-1a2b-7c3d-8e4f-5a6b7c8d9e0f"


class UserOut(BaseModel):
    """A user's own account."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": USER_ID,
                    "email": "ada@example.com",
                    "display_name": "Ada",
                    "created_at": "2026-01-06T08:00:00Z",
                }
            ]
        }
    )

    id: str = Field(description="the user's id (a UUIDv7)")
    email: str = Field(description="the address the account was registered with")
    display_name: str = Field(description="the name shown with the user's posts")
    created_at: datetime = Field(description="when the account was registered (UTC)")


class PublicProfileOut(BaseModel):
    """What anyone may see of a user."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": USER_ID, "display_name": "Ada", "created_at": "2026-01-06T08:00:00Z"}
            ]
        }
    )

    id: str = Field(description="the user's id (a UUIDv7)")
    display_name: str = Field(description="the name shown with the user's posts")
    created_at: datetime = Field(description="when the account was registered (UTC)")


class UserStatsOut(BaseModel):
    """A user's counts, kept by a consumer of the domain events (eventually consistent)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user_id": USER_ID,
                    "post_count": 12,
                    "last_post_at": "2026-01-07T09:30:00Z",
                    "comment_count": 3,
                }
            ]
        }
    )

    user_id: str = Field(description="whose counts these are")
    post_count: int = Field(description="the posts the user has published and not deleted")
    last_post_at: datetime | None = Field(description="when their newest post was published")
    comment_count: int = Field(description="the comments the user has written")


class TokenPairOut(BaseModel):
    """An access token for `Authorization: Bearer`, and the refresh token that renews it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIuLi4ifQ.sig",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXAiOiJyIn0.sig",
                }
            ]
        }
    )

    access_token: str = Field(description="a JWT to send as `Authorization: Bearer <token>`")
    token_type: Literal["bearer"] = Field(default="bearer", description="always `bearer`")
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str = Field(
        min_length=1,
        max_length=4096,
        description="use once at /api/v1/auth/refresh for a new pair (it is then retired)",
    )


class SignInForm(BaseModel):
    """The OAuth2 password grant (RFC 6749, section 4.3), form-encoded."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"grant_type": "password", "username": "ada@example.com", "password": "..."}
            ]
        }
    )

    username: str = Field(max_length=254, description="the account's email")
    password: str = Field(max_length=128, description="the account's password")
    grant_type: Literal["password"] | None = Field(
        default=None, description="`password` when given: the only grant this endpoint serves"
    )


class RefreshIn(BaseModel):
    """A refresh token to trade for a new pair."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"refresh_token": "eyJhbGciOi..."}]}
    )

    refresh_token: str = Field(
        min_length=1, max_length=4096, description="the refresh token of the latest pair"
    )
