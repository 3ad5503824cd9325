"""Sign-in throttling over HTTP: 429 with Retry-After, shared by processes through Redis."""

from __future__ import annotations

import asyncio

import httpx

from tests.api.conftest import assert_problem, make_container, register, two_processes
from tests.databases import ScratchDatabase
from tests.served import served as serving


async def sign_in(client: httpx.AsyncClient, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"username": "ada@example.com", "password": password}
    )


class TestSignInThrottling:
    async def test_repeated_failures_get_429_with_retry_after(
        self, client: httpx.AsyncClient
    ) -> None:
        await register(client)
        failures = [(await sign_in(client, "wrong")).status_code for _ in range(5)]

        refused = await sign_in(client, "correct horse")

        assert failures == [401] * 5
        problem = assert_problem(refused, 429)
        assert "try again later" in problem["detail"]
        assert 890 <= int(refused.headers["retry-after"]) <= 900

    async def test_the_count_is_shared_by_processes_through_redis(
        self, fresh_database: ScratchDatabase, redis_url: str
    ) -> None:
        async with two_processes(fresh_database.url, redis_url) as (one, other):
            await register(one.client)
            for client in (one.client, other.client) * 2 + (one.client,):
                assert (await sign_in(client, "wrong")).status_code == 401

            refused = await sign_in(other.client, "correct horse")

        assert_problem(refused, 429)


class TestSignInRaces:
    async def test_racing_guesses_are_checked_no_more_than_the_account_limit(
        self, fresh_database: ScratchDatabase
    ) -> None:
        async with serving(make_container(fresh_database.url)) as api:
            await register(api.client)
            guesses = [sign_in(api.client, f"guess {n}") for n in range(39)]
            responses = await asyncio.gather(*guesses, sign_in(api.client, "correct horse"))

        checked = [response.status_code for response in responses if response.status_code != 429]
        assert len(checked) == 5  # LOGIN_FAILURES_PER_ACCOUNT, however many arrived at once
