"""JWT access and refresh tokens (PyJWT, HS256 pinned on decode).

The `typ` claim keeps the two kinds apart: a refresh token is never accepted where an
access token is expected, nor the reverse. Expiry and issue time are checked against
the injected clock, the same one that stamps the tokens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeGuard

import jwt

from app.application.clock import Clock
from app.application.ports.security import TokenClaims, TokenKind
from app.domain.errors import Unauthorized
from app.domain.identity import new_id, utc_now

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "typ"]
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
        return TokenClaims(
            subject=payload["sub"],
            token_id=str(payload["jti"]),
            kind=kind,
            issued_at=datetime.fromtimestamp(payload["iat"], UTC),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        )

    def _in_its_lifetime(self, payload: dict[str, object]) -> bool:
        """Issued no later, and expiring later, than now (with the tolerated skew)."""
        issued_at, expires_at = payload["iat"], payload["exp"]
        if not (_is_timestamp(issued_at) and _is_timestamp(expires_at)):
            return False
        now = self._clock().timestamp()
        return issued_at <= now + CLOCK_SKEW_SECONDS and now < expires_at + CLOCK_SKEW_SECONDS


def _is_timestamp(claim: object) -> TypeGuard[int | float]:
    return isinstance(claim, int | float) and not isinstance(claim, bool)
