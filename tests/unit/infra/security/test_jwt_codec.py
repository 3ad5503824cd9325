"""JwtTokenCodec: signed, typed, expiring tokens with HS256 pinned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from app.domain.errors import Unauthorized
from app.domain.identity import utc_now
from app.infra.security.jwt_codec import JwtTokenCodec

SECRET = "a-test-secret-" + "x" * 51  # 64 bytes: long enough for HS384 too


@pytest.fixture
def codec() -> JwtTokenCodec:
    return JwtTokenCodec(secret=SECRET, access_ttl_seconds=60, refresh_ttl_seconds=600)


def payload(**changes: object) -> dict[str, object]:
    now = int(utc_now().timestamp())
    claims: dict[str, object] = {
        "sub": "user-1",
        "jti": "token-1",
        "typ": "access",
        "iat": now,
        "exp": now + 60,
    }
    return claims | changes


class TestIssueAndDecode:
    def test_decoded_claims_are_the_issued_ones(self, codec: JwtTokenCodec) -> None:
        token, issued = codec.issue(subject="user-1", kind="access", now=utc_now())

        assert codec.decode(token, kind="access") == issued

    def test_token_carries_exp_iat_sub_jti_and_typ(self, codec: JwtTokenCodec) -> None:
        token, issued = codec.issue(subject="user-1", kind="refresh", now=utc_now())

        claims = jwt.decode(token, SECRET, algorithms=["HS256"])

        assert set(claims) >= {"exp", "iat", "sub", "jti", "typ"}
        assert (claims["sub"], claims["jti"], claims["typ"]) == (
            "user-1",
            issued.token_id,
            "refresh",
        )
        assert claims["exp"] - claims["iat"] == 600

    def test_access_token_lives_for_the_access_ttl(self, codec: JwtTokenCodec) -> None:
        _, issued = codec.issue(subject="user-1", kind="access", now=utc_now())

        assert issued.expires_at - issued.issued_at == timedelta(seconds=60)

    def test_every_token_gets_its_own_id(self, codec: JwtTokenCodec) -> None:
        now = utc_now()
        _, first = codec.issue(subject="user-1", kind="refresh", now=now)
        _, second = codec.issue(subject="user-1", kind="refresh", now=now)

        assert first.token_id != second.token_id

    def test_token_is_signed_with_hs256(self, codec: JwtTokenCodec) -> None:
        token, _ = codec.issue(subject="user-1", kind="access", now=utc_now())

        assert jwt.get_unverified_header(token)["alg"] == "HS256"


class TestRefusedTokens:
    def test_unsigned_alg_none_token_is_refused(self, codec: JwtTokenCodec) -> None:
        token = jwt.encode(payload(), None, algorithm="none")

        with pytest.raises(Unauthorized):
            codec.decode(token, kind="access")

    def test_token_signed_with_another_key_is_refused(self, codec: JwtTokenCodec) -> None:
        token = jwt.encode(payload(), "another-secret-" + "y" * 49, algorithm="HS256")

        with pytest.raises(Unauthorized):
            codec.decode(token, kind="access")

    def test_hs384_token_with_the_same_secret_is_refused(self, codec: JwtTokenCodec) -> None:
        token = jwt.encode(payload(), SECRET, algorithm="HS384")
        assert jwt.decode(token, SECRET, algorithms=["HS384"])["sub"] == "user-1"

        with pytest.raises(Unauthorized):
            codec.decode(token, kind="access")

    def test_a_token_from_a_clock_a_few_seconds_ahead_is_accepted(
        self, codec: JwtTokenCodec
    ) -> None:
        token, _ = codec.issue(
            subject="user-1", kind="access", now=utc_now() + timedelta(seconds=10)
        )

        assert codec.decode(token, kind="access").subject == "user-1"

    def test_a_token_expired_beyond_the_tolerated_skew_is_refused(
        self, codec: JwtTokenCodec
    ) -> None:
        issued = utc_now() - timedelta(seconds=codec.access_ttl_seconds + 60)
        token, _ = codec.issue(subject="user-1", kind="access", now=issued)

        with pytest.raises(Unauthorized):
            codec.decode(token, kind="access")

    def test_expired_token_is_refused(self, codec: JwtTokenCodec) -> None:
        token, _ = codec.issue(subject="user-1", kind="access", now=utc_now() - timedelta(hours=1))

        with pytest.raises(Unauthorized):
            codec.decode(token, kind="access")

    def test_refresh_token_is_refused_where_access_is_expected(self, codec: JwtTokenCodec) -> None:
        token, _ = codec.issue(subject="user-1", kind="refresh", now=utc_now())

        with pytest.raises(Unauthorized):
            codec.decode(token, kind="access")

    def test_access_token_is_refused_where_refresh_is_expected(self, codec: JwtTokenCodec) -> None:
        token, _ = codec.issue(subject="user-1", kind="access", now=utc_now())

        with pytest.raises(Unauthorized):
            codec.decode(token, kind="refresh")

    @pytest.mark.parametrize("claim", ["exp", "iat", "sub", "jti", "typ"])
    def test_token_missing_a_required_claim_is_refused(
        self, codec: JwtTokenCodec, claim: str
    ) -> None:
        claims = payload()
        del claims[claim]
        token = jwt.encode(claims, SECRET, algorithm="HS256")

        with pytest.raises(Unauthorized):
            codec.decode(token, kind="access")

    def test_tampered_payload_is_refused(self, codec: JwtTokenCodec) -> None:
        token, _ = codec.issue(subject="user-1", kind="access", now=utc_now())
        header, _, signature = token.split(".")
        forged_body = jwt.encode(payload(sub="admin"), "x" * 32, algorithm="HS256").split(".")[1]

        with pytest.raises(Unauthorized):
            codec.decode(f"{header}.{forged_body}.{signature}", kind="access")


class TestInjectedClock:
    def test_times_are_checked_against_the_clock_that_stamps_them(self) -> None:
        long_ago = datetime(2001, 1, 1, tzinfo=UTC)
        codec = JwtTokenCodec(
            secret=SECRET, access_ttl_seconds=60, refresh_ttl_seconds=600, clock=lambda: long_ago
        )
        token, _ = codec.issue(subject="user-1", kind="access", now=long_ago)

        assert codec.decode(token, kind="access").subject == "user-1"

    def test_a_token_is_expired_once_the_injected_clock_passes_its_expiry(self) -> None:
        now = [datetime(2001, 1, 1, tzinfo=UTC)]
        codec = JwtTokenCodec(
            secret=SECRET, access_ttl_seconds=60, refresh_ttl_seconds=600, clock=lambda: now[0]
        )
        token, _ = codec.issue(subject="user-1", kind="access", now=now[0])
        now[0] += timedelta(seconds=60 + 31)

        with pytest.raises(Unauthorized):
            codec.decode(token, kind="access")

    def test_a_token_issued_beyond_the_skew_in_the_future_is_refused(self) -> None:
        now = datetime(2001, 1, 1, tzinfo=UTC)
        codec = JwtTokenCodec(
            secret=SECRET, access_ttl_seconds=60, refresh_ttl_seconds=600, clock=lambda: now
        )
        token, _ = codec.issue(subject="user-1", kind="access", now=now + timedelta(minutes=5))

        with pytest.raises(Unauthorized):
            codec.decode(token, kind="access")


class TestTimeClaims:
    NOW = datetime(2030, 6, 1, tzinfo=UTC)

    def _codec(self) -> JwtTokenCodec:
        return JwtTokenCodec(
            secret=SECRET, access_ttl_seconds=60, refresh_ttl_seconds=600, clock=lambda: self.NOW
        )

    def _signed(self, **claims: object) -> str:
        now = int(self.NOW.timestamp())
        body = {"sub": "user-1", "jti": "j", "typ": "access", "iat": now, "exp": now + 60}
        return jwt.encode({**body, **claims}, SECRET, algorithm="HS256")

    def test_fractional_times_are_accepted(self) -> None:
        now = self.NOW.timestamp()
        token = self._signed(iat=now + 0.5, exp=now + 60.5)

        assert self._codec().decode(token, kind="access").subject == "user-1"

    @pytest.mark.parametrize(
        "claims",
        [
            {"exp": "2030-06-01"},
            {"iat": True},
            {"exp": 1e20},
            {"exp": -1},
            {"nbf": int(NOW.timestamp()) + 3600},
        ],
        ids=["text-exp", "bool-iat", "exp-beyond-any-date", "negative-exp", "not-yet-valid"],
    )
    def test_a_time_claim_out_of_reason_is_refused(self, claims: dict[str, object]) -> None:
        with pytest.raises(Unauthorized):
            self._codec().decode(self._signed(**claims), kind="access")
