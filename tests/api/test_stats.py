"""The user stats read model through the API: converging after writes, from events."""

from __future__ import annotations

import logging

import pytest

from tests.api.conftest import Api, assert_problem, create_post, register, sign_in


async def _settled(api: Api) -> None:
    """Wait for the consumers that the last commits started in the background."""
    await api.container.outbox_relay().drain()


class TestUserStats:
    async def test_stats_follow_creates_and_deletes(self, committed_api: Api) -> None:
        client = committed_api.client
        user = await register(client)
        auth = await sign_in(client)
        older = await create_post(client, auth, title="older")
        newer = await create_post(client, auth, title="newer")
        await _settled(committed_api)

        after_creates = (await client.get(f"/api/v1/users/{user['id']}/stats")).json()
        await client.delete(f"/api/v1/posts/{newer['id']}", headers=auth)
        await _settled(committed_api)
        after_delete = (await client.get(f"/api/v1/users/{user['id']}/stats")).json()

        assert after_creates == {
            "user_id": user["id"],
            "post_count": 2,
            "last_post_at": newer["created_at"],
            "comment_count": 0,
        }
        assert after_delete == {
            "user_id": user["id"],
            "post_count": 1,
            "last_post_at": older["created_at"],
            "comment_count": 0,
        }

    async def test_a_user_without_posts_or_comments_has_zeros_and_null(
        self, committed_api: Api
    ) -> None:
        user = await register(committed_api.client)
        await _settled(committed_api)

        stats = (await committed_api.client.get(f"/api/v1/users/{user['id']}/stats")).json()

        assert (stats["post_count"], stats["last_post_at"], stats["comment_count"]) == (0, None, 0)

    async def test_an_unknown_user_is_404(self, committed_api: Api) -> None:
        response = await committed_api.client.get(
            "/api/v1/users/01890000-0000-7000-8000-000000000000/stats"
        )

        assert_problem(response, 404)


class TestWelcomeMail:
    async def test_a_new_user_gets_one_welcome_mail(
        self, committed_api: Api, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="app.infra.messaging.mailers")

        await register(committed_api.client, "new@example.com")
        await _settled(committed_api)
        await committed_api.container.outbox_relay().sweep()

        mails = [
            record.getMessage() for record in caplog.records if "mail to" in record.getMessage()
        ]
        assert mails == ["mail to new@example.com: Welcome"]
