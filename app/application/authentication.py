"""Who is calling: the subject of a valid access token."""

from __future__ import annotations

from app.application.ports.security import TokenCodec


class Authenticator:
    def __init__(self, tokens: TokenCodec) -> None:
        self._tokens = tokens

    def user_id(self, access_token: str) -> str:
        """The id of the token's user; raises Unauthorized for any invalid token."""
        return self._tokens.decode(access_token, kind="access").subject
