"""Authenticator: who is calling, from an access token only."""

from __future__ import annotations

import pytest

from app.application.authentication import Authenticator
from app.domain.errors import Unauthorized
from app.domain.identity import utc_now
from app.infra.security.jwt_codec import JwtTokenCodec

USER_ID = "01890000-0000-7000-8000-000000000001"


@pytest.fixture
def codec() -> JwtTokenCodec:
    return JwtTokenCodec(secret="s" * 32, access_ttl_seconds=60, refresh_ttl_seconds=600)


class TestAuthenticator:
    def test_access_token_gives_its_user_id(self, codec: JwtTokenCodec) -> None:
        token, _ = codec.issue(subject=USER_ID, kind="access", now=utc_now())

        assert Authenticator(codec).user_id(token) == USER_ID

    def test_refresh_token_is_unauthorized(self, codec: JwtTokenCodec) -> None:
        token, _ = codec.issue(subject=USER_ID, kind="refresh", now=utc_now())

        with pytest.raises(Unauthorized):
            Authenticator(codec).user_id(token)
