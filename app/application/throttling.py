"""Throttling: sign-ins after repeated failures, and registrations from one address.

Sign-ins: counts are kept per account (the email, normalized, whether or not such an
account exists, so the answer tells nothing about which emails are registered) and per
client address (a higher limit: many users may share one). An attempt is counted before
its password is checked, atomically, so however many arrive at once no more passwords
are checked for an account, or from an address, than its limit allows; a success gives
the address its attempt back and clears the account's count.

Registrations: every attempt from one client address counts, before its password is
hashed, so one client cannot spend everyone's hashing time.

Refusals are TooManyAttempts, with when to try again. The counter is shared by every
process (Redis), or kept in the process in the embedded default.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.application.ports.throttling import AttemptCounter
from app.domain.errors import TooManyAttempts
from app.domain.users import email_key


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottlePolicy:
    failures_per_account: int
    failures_per_address: int
    window_seconds: int


def _key(kind: str, value: str) -> str:
    """A counter's name: digested, so no email or address is stored as it is."""
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


async def _take(
    counter: AttemptCounter, limits: Sequence[tuple[str, int]], window: int, what: str
) -> None:
    wait = await counter.take(limits, window)
    if wait > 0:
        raise TooManyAttempts(f"too many {what}; try again later", retry_after=math.ceil(wait))


class LoginThrottle:
    def __init__(self, counter: AttemptCounter, policy: ThrottlePolicy) -> None:
        self._counter = counter
        self._policy = policy

    def _account(self, email: str) -> str:
        return _key("login:account", email_key(email))

    async def attempt(self, email: str, address: str | None) -> None:
        """Count this sign-in attempt; TooManyAttempts when the account or the address has
        none left in its window."""
        limits = [(self._account(email), self._policy.failures_per_account)]
        if address:
            limits.append((_key("login:address", address), self._policy.failures_per_address))
        await _take(self._counter, limits, self._policy.window_seconds, "failed sign-ins")

    async def succeeded(self, email: str, address: str | None) -> None:
        await self._counter.reset([self._account(email)])
        if address:
            await self._counter.give_back([_key("login:address", address)])

    async def unchecked(self, email: str, address: str | None) -> None:
        """The attempt ended before any password was checked (the database was down, say):
        it does not count against the account or the address."""
        keys = [self._account(email)]
        if address:
            keys.append(_key("login:address", address))
        await self._counter.give_back(keys)


class RegistrationThrottle:
    def __init__(self, counter: AttemptCounter, *, per_address: int, window_seconds: int) -> None:
        self._counter = counter
        self._per_address = per_address
        self._window = window_seconds

    async def attempt(self, address: str | None) -> None:
        """Count this registration; TooManyAttempts when the address has none left."""
        if address:
            limits = [(_key("register:address", address), self._per_address)]
            await _take(self._counter, limits, self._window, "registrations from this address")
