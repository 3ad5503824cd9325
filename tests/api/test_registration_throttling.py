"""Registration throttling over HTTP: per client address, 429 with Retry-After, shared by
processes through Redis, and racing registrations stay within the limit."""

from __future__ import annotations

import asyncio

import httpx

from tests.api.conftest import assert_problem, make_container, two_processes
from tests.databases import ScratchDatabase
from tests.served import served as serving

LIMIT = {"registration_limit_per_address": 3, "registration_limit_window_seconds": 600}


async def register(client: httpx.AsyncClient, n: int) -> httpx.Response:
    body = {"email": f"user{n}@example.com", "password": "correct horse", "display_name": "U"}
    return await client.post("/api/v1/users", json=body)


class TestRegistrationThrottling:
    async def test_an_address_past_its_limit_gets_429_and_no_account(
        self, fresh_database: ScratchDatabase
    ) -> None:
        async with serving(make_container(fresh_database.url, **LIMIT)) as api:
            created = [(await register(api.client, n)).status_code for n in range(3)]
            refused = await register(api.client, 9)
            sign_in = await api.client.post(
                "/api/v1/auth/token",
                data={"username": "user9@example.com", "password": "correct horse"},
            )

        assert created == [201] * 3
        problem = assert_problem(refused, 429)
        assert "registrations" in problem["detail"]
        assert 590 <= int(refused.headers["retry-after"]) <= 600
        assert sign_in.status_code == 401

    async def test_racing_registrations_stay_within_the_limit_across_processes(
        self, fresh_database: ScratchDatabase, redis_url: str
    ) -> None:
        async with two_processes(fresh_database.url, redis_url, **LIMIT) as (one, other):
            clients = [one.client, other.client] * 5
            responses = await asyncio.gather(
                *(register(client, n) for n, client in enumerate(clients))
            )

        statuses = sorted(response.status_code for response in responses)
        assert statuses == [201] * 3 + [429] * 7
