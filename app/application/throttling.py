"""Sign-in throttling: after repeated failures for one account or from one client address,
sign-ins are refused (TooManyAttempts, with when to try again) until the window closes.

Counts are kept per account (the email, normalized, whether or not such an account
exists, so the answer tells nothing about which emails are registered) and per client
address (a higher limit: many users may share one). A successful sign-in clears the
account's count. The counter is shared by every process (Redis), or kept in the process
in the embedded default.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from app.application.ports.throttling import FailureCounter
from app.domain.errors import TooManyAttempts
from app.domain.users import email_key


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottlePolicy:
    failures_per_account: int
    failures_per_address: int
    window_seconds: int


def _key(kind: str, value: str) -> str:
    """A counter's name: digested, so no email or address is stored as it is."""
    return f"login:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class LoginThrottle:
    def __init__(self, counter: FailureCounter, policy: ThrottlePolicy) -> None:
        self._counter = counter
        self._policy = policy

    def _keys(self, email: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(_key("account", email_key(email)), self._policy.failures_per_account)]
        if address:
            keys.append((_key("address", address), self._policy.failures_per_address))
        return keys

    async def check(self, email: str, address: str | None) -> None:
        """Raise TooManyAttempts while the account or the address has used up its failures."""
        keys = self._keys(email, address)
        counts = await self._counter.counts([key for key, _ in keys])
        waits = [
            remaining
            for (_, limit), (failures, remaining) in zip(keys, counts, strict=True)
            if failures >= limit
        ]
        if waits:
            raise TooManyAttempts(
                "too many failed sign-ins; try again later",
                retry_after=max(1, math.ceil(max(waits))),
            )

    async def failed(self, email: str, address: str | None) -> None:
        keys = [key for key, _ in self._keys(email, address)]
        await self._counter.add(keys, self._policy.window_seconds)

    async def succeeded(self, email: str) -> None:
        await self._counter.reset([key for key, _ in self._keys(email, None)])
