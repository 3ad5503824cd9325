"""Who is calling: the subject of a valid access token."""

from __future__ import annotations

from app.application.ports.security import TokenCodec
from app.domain.errors import Unauthorized
from app.domain.identity import is_well_formed_id


class Authenticator:
    def __init__(self, tokens: TokenCodec) -> None:
        self._tokens = tokens

    def user_id(self, access_token: str) -> str:
        """The id of the token's user; raises Unauthorized for any invalid token."""
        subject = self._tokens.decode(access_token, kind="access").subject
        if not is_well_formed_id(subject):
            raise Unauthorized("the token is invalid or expired")
        return subject
