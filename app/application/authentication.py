"""Who is calling: the subject of a valid access token.

A token verified once is remembered (bounded, least recently used first) until it
expires, so a client's later requests skip the signature check. Only verified tokens
are remembered, and never past their own expiry: a remembered token is accepted
exactly when decoding it again would accept it (or more strictly, without the leeway
for clock skew).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

from app.application.clock import Clock
from app.application.ports.security import TokenCodec
from app.domain.errors import Unauthorized
from app.domain.identity import is_well_formed_id, utc_now

VERIFIED_TOKENS = 4096


class Authenticator:
    def __init__(
        self, tokens: TokenCodec, clock: Clock = utc_now, capacity: int = VERIFIED_TOKENS
    ) -> None:
        self._tokens = tokens
        self._clock = clock
        self._capacity = capacity
        self._verified: OrderedDict[str, tuple[str, datetime]] = OrderedDict()

    def user_id(self, access_token: str) -> str:
        """The id of the token's user; raises Unauthorized for any invalid token."""
        known = self._verified.get(access_token)
        if known is not None:
            subject, expires_at = known
            if self._clock() < expires_at:
                self._verified.move_to_end(access_token)
                return subject
            del self._verified[access_token]
        claims = self._tokens.decode(access_token, kind="access")
        if not is_well_formed_id(claims.subject):
            raise Unauthorized("the token is invalid or expired")
        self._verified[access_token] = (claims.subject, claims.expires_at)
        if len(self._verified) > self._capacity:
            self._verified.popitem(last=False)
        return claims.subject
