"""Ports for credentials: password hashing and signed tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

TokenKind = Literal["access", "refresh"]


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches; never raises for a mismatch."""
        ...

    async def burn(self) -> None:
        """Spend the time of one verification, so unknown users cost as much as known ones."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenClaims:
    subject: str
    token_id: str
    kind: TokenKind
    issued_at: datetime
    expires_at: datetime


class TokenCodec(Protocol):
    @property
    def access_ttl_seconds(self) -> int: ...

    @property
    def refresh_ttl_seconds(self) -> int: ...

    def issue(self, *, subject: str, kind: TokenKind, now: datetime) -> tuple[str, TokenClaims]: ...

    def decode(self, token: str, *, kind: TokenKind) -> TokenClaims:
        """The claims of a valid token of that kind; raises Unauthorized otherwise."""
        ...
