"""Concurrent writers on real pools: no update is lost, no email is taken twice."""

from __future__ import annotations

import asyncio

from tests.api.conftest import Api, create_post, signed_up


class TestConcurrentWrites:
    async def test_concurrent_patches_without_if_match_all_land(self, committed_api: Api) -> None:
        client = committed_api.client
        auth = await signed_up(client)
        post = await create_post(client, auth)
        writers = 8

        responses = await asyncio.gather(
            *(
                client.patch(f"/api/v1/posts/{post['id']}", json={"title": f"w{n}"}, headers=auth)
                for n in range(writers)
            )
        )

        assert [response.status_code for response in responses] == [200] * writers
        versions = sorted(response.json()["version"] for response in responses)
        assert versions == list(range(2, writers + 2))
        final = (await client.get(f"/api/v1/posts/{post['id']}")).json()
        assert final["version"] == writers + 1

    async def test_concurrent_writers_with_the_same_if_match_one_wins(
        self, committed_api: Api
    ) -> None:
        client = committed_api.client
        auth = await signed_up(client)
        post = await create_post(client, auth)
        headers = {**auth, "If-Match": f'"{post["id"]}.1"'}

        responses = await asyncio.gather(
            *(
                client.put(
                    f"/api/v1/posts/{post['id']}",
                    json={"title": f"w{n}", "body": "b"},
                    headers=headers,
                )
                for n in range(5)
            )
        )

        assert sorted(response.status_code for response in responses) == [200, 412, 412, 412, 412]
        final = (await client.get(f"/api/v1/posts/{post['id']}")).json()
        assert final["version"] == 2

    async def test_one_email_registered_concurrently_in_many_cases_gives_one_account(
        self, committed_api: Api
    ) -> None:
        client = committed_api.client
        emails = ["race@example.com", "RACE@example.com", "Race@Example.com", "race@EXAMPLE.com"]

        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/users",
                    json={"email": email, "password": "long enough", "display_name": "R"},
                )
                for email in emails
            )
        )

        assert sorted(response.status_code for response in responses) == [201, 409, 409, 409]
