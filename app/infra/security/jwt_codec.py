"""JWT access and refresh tokens (PyJWT, HS256 pinned on decode).

The `typ` claim keeps the two kinds apart: a refresh token is never accepted where an
access token is expected, nor the reverse.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from app.application.ports.security import TokenClaims, TokenKind
from app.domain.errors import Unauthorized
from app.domain.identity import new_id

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "typ"]
CLOCK_SKEW_SECONDS = 30
"""Tolerated difference between the clocks of the processes that issue and check tokens."""


class JwtTokenCodec:
    def __init__(self, *, secret: str, access_ttl_seconds: int, refresh_ttl_seconds: int) -> None:
        self._secret = secret
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
                options={"require": REQUIRED_CLAIMS},
                leeway=CLOCK_SKEW_SECONDS,
            )
        except (jwt.PyJWTError, UnicodeError, ValueError):
            raise Unauthorized("the token is invalid or expired") from None
        if payload["typ"] != kind or not isinstance(payload["sub"], str):
            raise Unauthorized("the token is invalid or expired")
        return TokenClaims(
            subject=payload["sub"],
            token_id=str(payload["jti"]),
            kind=kind,
            issued_at=datetime.fromtimestamp(payload["iat"], UTC),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        )
