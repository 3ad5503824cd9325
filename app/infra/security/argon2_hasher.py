"""argon2id password hashing, run in worker threads so the event loop keeps serving.

The hashing threads are few: by default one fewer than the cores this process may run
on (at least one), and they run at a lower scheduling priority (a higher nice value)
than the event loop's thread. A burst of sign-ins then queues for a thread and yields
the core to the event loop whenever both want it, so the requests served meanwhile
keep their latency; with the core idle, hashing runs at full speed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

T = TypeVar("T")
HASHING_NICENESS = 10
"""Added to the hashing threads' nice value: under contention Linux then gives them about
a tenth of the CPU time the event loop's thread gets."""


def _lower_priority() -> None:
    """Runs in each hashing thread as it starts; Linux schedules threads one by one."""
    with contextlib.suppress(OSError, AttributeError):
        thread_id = threading.get_native_id()
        os.setpriority(
            os.PRIO_PROCESS,
            thread_id,
            os.getpriority(os.PRIO_PROCESS, thread_id) + HASHING_NICENESS,
        )


def default_threads() -> int:
    """One fewer than the cores this process may use, and at least one."""
    return max(1, len(os.sched_getaffinity(0)) - 1)


class Argon2PasswordHasher:
    def __init__(
        self, *, memory_kib: int, time_cost: int, parallelism: int, max_threads: int = 0
    ) -> None:
        self._hasher = PasswordHasher(
            memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism, type=Type.ID
        )
        self._decoy: str | None = None
        self.max_threads = max_threads if max_threads > 0 else default_threads()
        self._threads = ThreadPoolExecutor(
            self.max_threads, thread_name_prefix="argon2", initializer=_lower_priority
        )

    async def hash(self, password: str) -> str:
        return await self._off_loop(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._off_loop(self._verify, password_hash, password)

    async def burn(self) -> None:
        if self._decoy is None:
            self._decoy = await self.hash("a password that no account has")
        await self._off_loop(self._verify, self._decoy, "not the password")

    async def _off_loop(self, function: Callable[..., T], *args: str) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, function, *args)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
