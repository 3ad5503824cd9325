"""Signing in and refreshing: both issue a new token pair and record the refresh token."""

from __future__ import annotations

from dataclasses import dataclass

from app.application.clock import Clock
from app.application.consistency import act_as
from app.application.handlers import CommandService, command_handler
from app.application.ports.security import PasswordHasher, TokenCodec
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.application.throttling import LoginThrottle
from app.domain.errors import Unauthorized
from app.domain.users import User

BAD_CREDENTIALS = "incorrect email or password"


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


class AuthCommandService(CommandService):
    def __init__(
        self,
        write_uow: WriteUnitOfWorkFactory,
        hasher: PasswordHasher,
        tokens: TokenCodec,
        clock: Clock,
        throttle: LoginThrottle,
    ) -> None:
        super().__init__(write_uow)
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._throttle = throttle

    async def login(self, email: str, password: str, *, address: str | None = None) -> TokenPair:
        """Check the password between two short transactions, holding no connection.

        Refused with TooManyAttempts, before any password is checked, once the account
        or the client `address` has failed too often (see `LoginThrottle`).
        """
        await self._throttle.attempt(email, address)
        try:
            user = await self._find_user(email)
        except BaseException:
            await self._throttle.unchecked(email, address)
            raise
        if user is None:
            await self._hasher.burn()
            raise Unauthorized(BAD_CREDENTIALS)
        if not await self._hasher.verify(user.password_hash, password):
            raise Unauthorized(BAD_CREDENTIALS)
        await self._throttle.succeeded(email, address)
        act_as(user.id)  # their next reads must see the account, whatever the replica lags
        return await self._issue_pair(user.id)

    @command_handler
    async def _find_user(self, email: str) -> User | None:
        return await self.uow.users.get_by_email(email)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """A new pair for a refresh token, which is retired (rotation).

        A retired token presented again means it leaked (or its pair did): the whole
        family, every token descended from the same sign-in, is revoked, so neither the
        thief nor the client can refresh any more and the user signs in again.
        """
        claims = self._tokens.decode(refresh_token, kind="refresh")
        pair = await self._rotate(claims.token_id, claims.subject)
        if pair is None:
            raise Unauthorized("the refresh token is invalid, expired or already used")
        return pair

    @command_handler
    async def _rotate(self, token_id: str, subject: str) -> TokenPair | None:
        """The new pair; None, with the revocation committed, when the token is refused."""
        now = self._clock()
        use = await self.uow.refresh_tokens.use(token_id, now=now)
        if use is None or use.user_id != subject:
            return None
        if not use.first:
            await self.uow.refresh_tokens.revoke_family(use.family_id, now=now)
            return None
        act_as(use.user_id)
        return await self._issue_pair(use.user_id, family_id=use.family_id)

    @command_handler
    async def _issue_pair(self, user_id: str, *, family_id: str | None = None) -> TokenPair:
        """Tokens for the user; a sign-in starts a family, a refresh continues its own."""
        now = self._clock()
        access, _ = self._tokens.issue(subject=user_id, kind="access", now=now)
        refresh, refresh_claims = self._tokens.issue(subject=user_id, kind="refresh", now=now)
        await self.uow.refresh_tokens.add(
            refresh_claims.token_id,
            user_id=user_id,
            family_id=family_id or refresh_claims.token_id,
            expires_at=refresh_claims.expires_at,
        )
        return TokenPair(
            access_token=access,
            refresh_token=refresh,
            expires_in=self._tokens.access_ttl_seconds,
        )
