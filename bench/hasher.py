"""The password hasher alone: verifications per second on one thread, as JSON.

`python -m bench.hasher SECONDS` hashes the bench password once with the service's
`Argon2PasswordHasher` at the bench's cost, then verifies it, one call after another,
for SECONDS on the one hashing thread the service has on one core: the ceiling of
sign-ins for such a process. The runner pins it to the server's core.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from app.infra.security.argon2_hasher import Argon2PasswordHasher
from bench.common import ARGON2, BENCH_PASSWORD


async def verifications_per_second(seconds: float) -> dict[str, float]:
    hasher = Argon2PasswordHasher(**ARGON2, max_threads=1)
    stored = await hasher.hash(BENCH_PASSWORD)
    count = 0
    began = time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds or count == 0:
        if not await hasher.verify(stored, BENCH_PASSWORD):
            raise RuntimeError("the hasher refused its own hash")
        count += 1
    return {"verifications": count, "seconds": round(elapsed, 3), "per_second": count / elapsed}


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    print(json.dumps(asyncio.run(verifications_per_second(seconds))))
