"""Authenticator: who is calling, from an access token only."""

from __future__ import annotations

import pytest

from app.application.authentication import Authenticator
from app.application.ports.security import TokenClaims, TokenKind
from app.domain.errors import Unauthorized
from app.domain.identity import utc_now
from app.infra.security.jwt_codec import JwtTokenCodec
from tests.fakes.clock import FakeClock

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


class Counting:
    """The real codec, counting the tokens it decodes."""

    def __init__(self, codec: JwtTokenCodec) -> None:
        self.codec = codec
        self.decoded = 0

    def decode(self, token: str, *, kind: TokenKind) -> TokenClaims:
        self.decoded += 1
        return self.codec.decode(token, kind=kind)


class TestVerifiedTokens:
    def test_a_token_is_verified_once_while_it_is_valid(self, codec: JwtTokenCodec) -> None:
        counting, clock = Counting(codec), FakeClock(utc_now())
        token, _ = codec.issue(subject=USER_ID, kind="access", now=clock())
        authenticator = Authenticator(counting, clock=clock)  # type: ignore[arg-type]

        users = [authenticator.user_id(token) for _ in range(3)]

        assert users == [USER_ID] * 3
        assert counting.decoded == 1

    def test_a_remembered_token_is_checked_again_once_it_expires(
        self, codec: JwtTokenCodec
    ) -> None:
        counting, clock = Counting(codec), FakeClock(utc_now())
        token, claims = codec.issue(subject=USER_ID, kind="access", now=clock())
        authenticator = Authenticator(counting, clock=clock)  # type: ignore[arg-type]
        authenticator.user_id(token)

        clock.now = claims.expires_at
        authenticator.user_id(token)  # the codec itself still accepts it (real time)

        assert counting.decoded == 2

    def test_refused_tokens_are_not_remembered(self, codec: JwtTokenCodec) -> None:
        counting = Counting(codec)
        token, _ = codec.issue(subject=USER_ID, kind="access", now=utc_now())
        authenticator = Authenticator(counting)  # type: ignore[arg-type]
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

        for _ in range(2):
            with pytest.raises(Unauthorized):
                authenticator.user_id(forged)

        assert counting.decoded == 2

    def test_the_least_recently_used_token_is_forgotten_first(self, codec: JwtTokenCodec) -> None:
        counting = Counting(codec)
        authenticator = Authenticator(counting, capacity=2)  # type: ignore[arg-type]
        first, second, third = (
            codec.issue(subject=USER_ID, kind="access", now=utc_now())[0] for _ in range(3)
        )
        for token in (first, second, first, third):  # second is the least recent when third comes
            authenticator.user_id(token)
        decoded = counting.decoded

        authenticator.user_id(first)
        authenticator.user_id(second)

        assert counting.decoded == decoded + 1
