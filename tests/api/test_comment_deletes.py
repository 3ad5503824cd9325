"""Deleting comments through the API, and the comments that deleting a post takes."""

from __future__ import annotations

import httpx
import pytest

from tests.api.comment_requests import MISSING, comment_ids, comments_url, create_comment
from tests.api.conftest import assert_problem, create_post, signed_up


class TestDeleteComment:
    async def test_its_author_deletes_it(self, client: httpx.AsyncClient) -> None:
        ada, bob = await signed_up(client, "ada@example.com"), await signed_up(client, "b@x.io")
        post = await create_post(client, ada)
        comment = await create_comment(client, bob, post["id"])
        url = f"{comments_url(post['id'])}/{comment['id']}"

        response = await client.delete(url, headers=bob)

        assert (response.status_code, response.content) == (204, b"")
        assert_problem(await client.get(url), 404)
        assert await comment_ids(client, post["id"]) == []

    async def test_the_posts_author_deletes_anyones_comment(
        self, client: httpx.AsyncClient
    ) -> None:
        ada, bob = await signed_up(client, "ada@example.com"), await signed_up(client, "b@x.io")
        post = await create_post(client, ada)
        comment = await create_comment(client, bob, post["id"])

        response = await client.delete(f"{comments_url(post['id'])}/{comment['id']}", headers=ada)

        assert response.status_code == 204

    async def test_anyone_else_is_403_and_the_comment_stays(
        self, client: httpx.AsyncClient
    ) -> None:
        ada, bob = await signed_up(client, "ada@example.com"), await signed_up(client, "b@x.io")
        cid = await signed_up(client, "cid@example.com")
        post = await create_post(client, ada)
        comment = await create_comment(client, bob, post["id"])

        response = await client.delete(f"{comments_url(post['id'])}/{comment['id']}", headers=cid)

        assert_problem(response, 403)
        assert await comment_ids(client, post["id"]) == [comment["id"]]

    async def test_without_a_token_it_is_401(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)
        comment = await create_comment(client, auth, post["id"])

        response = await client.delete(f"{comments_url(post['id'])}/{comment['id']}")

        assert_problem(response, 401)

    @pytest.mark.parametrize("comment_id", [MISSING, "not-an-id"])
    async def test_a_missing_comment_is_404(
        self, client: httpx.AsyncClient, comment_id: str
    ) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)

        response = await client.delete(f"{comments_url(post['id'])}/{comment_id}", headers=auth)

        assert_problem(response, 404)

    async def test_a_comment_named_under_another_post_is_404(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        post, other = await create_post(client, auth), await create_post(client, auth)
        comment = await create_comment(client, auth, post["id"])

        response = await client.delete(f"{comments_url(other['id'])}/{comment['id']}", headers=auth)

        assert_problem(response, 404)
        assert await comment_ids(client, post["id"]) == [comment["id"]]


class TestDeletingThePost:
    async def test_its_comments_go_with_it_and_its_comment_routes_are_404(
        self, client: httpx.AsyncClient
    ) -> None:
        ada, bob = await signed_up(client, "ada@example.com"), await signed_up(client, "b@x.io")
        post, other = await create_post(client, ada), await create_post(client, ada)
        comment = await create_comment(client, bob, post["id"])
        kept = await create_comment(client, bob, other["id"])
        url = f"{comments_url(post['id'])}/{comment['id']}"
        assert (await client.get(comments_url(post["id"]))).status_code == 200

        assert (await client.delete(f"/api/v1/posts/{post['id']}", headers=ada)).status_code == 204

        assert_problem(await client.get(comments_url(post["id"])), 404)
        assert_problem(await client.get(url), 404)
        assert_problem(await client.delete(url, headers=bob), 404)
        assert_problem(
            await client.post(comments_url(post["id"]), json={"body": "late"}, headers=bob), 404
        )
        assert await comment_ids(client, other["id"]) == [kept["id"]]
