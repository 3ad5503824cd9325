"""Concurrent clients against a served API: every answer is recorded for the checks after.

An answer is its action, status (0 when no HTTP answer came: refused, reset or timed
out), start time, duration, and whether it was a problem document. Writers create posts
under an Idempotency-Key and retry that key until the post is acknowledged, as a client
that must not lose a write would: a create is acknowledged once, whatever happened to
the attempts before it.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.interface.problems import PROBLEM_JSON
from tests.api.conftest import register, sign_in

REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Answer:
    action: str
    status: int
    started: float
    seconds: float
    problem: bool


@dataclass
class Recorder:
    answers: list[Answer] = field(default_factory=list)

    async def request(
        self, client: httpx.AsyncClient, action: str, method: str, url: str, **options: Any
    ) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = await client.request(method, url, **options)
        except httpx.TransportError:
            self.answers.append(Answer(action, 0, started, time.monotonic() - started, False))
            return None
        problem = response.headers.get("content-type", "").startswith(PROBLEM_JSON)
        seconds = time.monotonic() - started
        self.answers.append(Answer(action, response.status_code, started, seconds, problem))
        return response

    def between(self, start: float, end: float) -> list[Answer]:
        return [answer for answer in self.answers if start <= answer.started < end]


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def new_client(base: str, connections: int = 64) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT, limits=limits)


async def account(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    """A new user's bearer header."""
    await register(client, email)
    return await sign_in(client, email)


async def create_acknowledged(
    recorder: Recorder,
    client: httpx.AsyncClient,
    auth: dict[str, str],
    body: dict[str, Any],
    *,
    give_up_at: float,
    key: str | None = None,
) -> dict[str, Any] | None:
    """The post once a create is acknowledged (201), retrying one Idempotency-Key; None
    if no attempt was acknowledged before `give_up_at`."""
    headers = {**auth, "Idempotency-Key": key or uuid.uuid4().hex}
    while time.monotonic() < give_up_at:
        response = await recorder.request(
            client, "create", "POST", "/api/v1/posts", json=body, headers=headers
        )
        if response is not None and response.status_code == 201:
            post: dict[str, Any] = response.json()
            return post
        # 409: an earlier attempt is still in flight (or died in flight): wait longer.
        in_flight = response is not None and response.status_code == 409
        await asyncio.sleep(1.0 if in_flight else 0.1)
    return None
