"""A password hasher for unit tests: the real contract, without argon2's cost."""

from __future__ import annotations

import hashlib


def _digest(password: str) -> str:
    return "fake$" + hashlib.sha256(password.encode()).hexdigest()


class FakePasswordHasher:
    def __init__(self) -> None:
        self.burned = 0
        self.verified = 0
        self.hashed = 0

    async def hash(self, password: str) -> str:
        self.hashed += 1
        return _digest(password)

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return password_hash == _digest(password)

    async def burn(self) -> None:
        self.burned += 1
