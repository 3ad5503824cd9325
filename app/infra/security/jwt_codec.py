"""JWT access and refresh tokens (PyJWT, HS256 pinned on decode).

The `typ` claim keeps the two kinds apart: a refresh token is never accepted where an
access token is expected, nor the reverse. Expiry and issue time are checked against
the injected clock, the same one that stamps the tokens.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TypeGuard

import jwt

from app.application.clock import Clock
from app.application.ports.security import TokenClaims, TokenKind
from app.domain.errors import Unauthorized
from app.domain.identity import new_id, utc_now

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "typ"]
MAX_TIMESTAMP = 253_402_300_800
"""The first second of the year 10000: no later time fits a datetime."""
CLOCK_SKEW_SECONDS = 30
"""Tolerated difference between the clocks of the processes that issue and check tokens."""


class JwtTokenCodec:
    def __init__(
        self,
        *,
        secret: str,
        access_ttl_seconds: int,
        refresh_ttl_seconds: int,
        clock: Clock = utc_now,
    ) -> None:
        self._secret = secret
        self._clock = clock
        self._ttl: dict[TokenKind, int] = {
            "access": access_ttl_seconds,
            "refresh": refresh_ttl_seconds,
        }

    @property
    def access_ttl_seconds(self) -> int:
        return self._ttl["access"]

    @property
    def refresh_ttl_seconds(self) -> int:
        return self._ttl["refresh"]

    def issue(self, *, subject: str, kind: TokenKind, now: datetime) -> tuple[str, TokenClaims]:
        issued_at = now.replace(microsecond=0)
        claims = TokenClaims(
            subject=subject,
            token_id=new_id(),
            kind=kind,
            issued_at=issued_at,
            expires_at=issued_at + timedelta(seconds=self._ttl[kind]),
        )
        payload = {
            "sub": claims.subject,
            "jti": claims.token_id,
            "typ": kind,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims

    def decode(self, token: str, *, kind: TokenKind) -> TokenClaims:
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                # Times are checked below, against the injected clock.
                options={
                    "require": REQUIRED_CLAIMS,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except (jwt.PyJWTError, UnicodeError, ValueError):
            raise Unauthorized("the token is invalid or expired") from None
        if payload["typ"] != kind or not isinstance(payload["sub"], str):
            raise Unauthorized("the token is invalid or expired")
        if not self._in_its_lifetime(payload):
            raise Unauthorized("the token is invalid or expired")
        try:
            issued_at = datetime.fromtimestamp(payload["iat"], UTC)
            expires_at = datetime.fromtimestamp(payload["exp"], UTC)
        except (OverflowError, OSError, ValueError):
            raise Unauthorized("the token is invalid or expired") from None
        return TokenClaims(
            subject=payload["sub"],
            token_id=str(payload["jti"]),
            kind=kind,
            issued_at=issued_at,
            expires_at=expires_at,
        )

    def _in_its_lifetime(self, payload: dict[str, object]) -> bool:
        """Issued (and valid from, if it says) no later, and expiring later, than now,
        with the tolerated skew."""
        claims = (payload["iat"], payload.get("nbf", payload["iat"]), payload["exp"])
        times = [claim for claim in claims if _is_timestamp(claim)]
        if len(times) != len(claims):
            return False
        issued_at, not_before, expires_at = times
        now = self._clock().timestamp()
        started = max(issued_at, not_before) <= now + CLOCK_SKEW_SECONDS
        return started and now < expires_at + CLOCK_SKEW_SECONDS


def _is_timestamp(claim: object) -> TypeGuard[int | float]:
    """A number of seconds a datetime can hold (not a bool, not infinite or NaN)."""
    if isinstance(claim, bool) or not isinstance(claim, int | float):
        return False
    return math.isfinite(claim) and 0 <= claim < MAX_TIMESTAMP
