"""Comments through the API: writing, reading and listing, with every status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.api.comment_requests import MISSING, comments_url, create_comment
from tests.api.conftest import Api, assert_problem, create_post, signed_up


class TestCreateComment:
    async def test_a_signed_in_user_comments_and_gets_its_location(
        self, client: httpx.AsyncClient
    ) -> None:
        ada = await signed_up(client, "ada@example.com")
        bob = await signed_up(client, "bob@example.com")
        post = await create_post(client, ada)
        me = (await client.get("/api/v1/users/me", headers=bob)).json()

        response = await client.post(comments_url(post["id"]), json={"body": "First!"}, headers=bob)

        assert response.status_code == 201
        comment = response.json()
        assert set(comment) == {"id", "post_id", "author_id", "body", "created_at"}
        assert (comment["post_id"], comment["author_id"], comment["body"]) == (
            post["id"],
            me["id"],
            "First!",
        )
        assert comment["created_at"].endswith("Z") or comment["created_at"].endswith("+00:00")
        location = f"/api/v1/posts/{post['id']}/comments/{comment['id']}"
        assert response.headers["location"] == location
        assert (await client.get(location)).json() == comment

    async def test_without_a_token_it_is_401(self, client: httpx.AsyncClient) -> None:
        post = await create_post(client, await signed_up(client))

        response = await client.post(comments_url(post["id"]), json={"body": "Hi"})

        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"

    @pytest.mark.parametrize("post_id", [MISSING, "not-an-id"])
    async def test_on_a_missing_post_it_is_404(
        self, client: httpx.AsyncClient, post_id: str
    ) -> None:
        auth = await signed_up(client)

        response = await client.post(comments_url(post_id), json={"body": "Hi"}, headers=auth)

        assert_problem(response, 404)

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"body": ""},
            {"body": "x" * 5001},
            {"body": None},
            {"body": "Hi", "author_id": MISSING},
            {"body": "Hi", "id": MISSING},
        ],
        ids=["no body", "empty", "too long", "null", "author_id", "id"],
    )
    async def test_an_invalid_body_is_422(
        self, client: httpx.AsyncClient, body: dict[str, Any]
    ) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)

        response = await client.post(comments_url(post["id"]), json=body, headers=auth)

        assert assert_problem(response, 422)["errors"]

    async def test_a_body_of_5000_characters_is_accepted(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)

        comment = await create_comment(client, auth, post["id"], "ß" * 5000)

        assert len(comment["body"]) == 5000


class TestReadComments:
    async def test_one_comment_is_found_under_its_post_only(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        post, other = await create_post(client, auth), await create_post(client, auth)
        comment = await create_comment(client, auth, post["id"])

        found = await client.get(f"{comments_url(post['id'])}/{comment['id']}")
        elsewhere = await client.get(f"{comments_url(other['id'])}/{comment['id']}")

        assert found.status_code == 200
        assert found.json() == comment
        assert_problem(elsewhere, 404)

    @pytest.mark.parametrize("comment_id", [MISSING, "not-an-id"])
    async def test_a_missing_comment_is_404(
        self, client: httpx.AsyncClient, comment_id: str
    ) -> None:
        post = await create_post(client, await signed_up(client))

        assert_problem(await client.get(f"{comments_url(post['id'])}/{comment_id}"), 404)

    async def test_the_list_is_oldest_first_with_its_total(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)
        written = [await create_comment(client, auth, post["id"], f"c{n}") for n in range(3)]

        page = (await client.get(comments_url(post["id"]))).json()

        assert page == {"total": 3, "items": written, "next_cursor": None}

    async def test_cursors_walk_every_comment_once(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)
        written = [await create_comment(client, auth, post["id"], f"c{n}") for n in range(5)]
        seen: list[str] = []
        totals: set[int] = set()
        cursor = None

        while True:
            params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(comments_url(post["id"]), params=params)).json()
            seen.extend(item["id"] for item in page["items"])
            totals.add(page["total"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
            if len(seen) == 2:  # written meanwhile: it comes last, nothing is skipped
                written.append(await create_comment(client, auth, post["id"], "late"))

        assert seen == [comment["id"] for comment in written]
        assert totals <= {5, 6}

    async def test_a_post_without_comments_has_an_empty_list(
        self, client: httpx.AsyncClient
    ) -> None:
        post = await create_post(client, await signed_up(client))

        page = (await client.get(comments_url(post["id"]))).json()

        assert page == {"total": 0, "items": [], "next_cursor": None}

    @pytest.mark.parametrize("post_id", [MISSING, "not-an-id"])
    async def test_the_list_of_a_missing_post_is_404(
        self, client: httpx.AsyncClient, post_id: str
    ) -> None:
        assert_problem(await client.get(comments_url(post_id)), 404)

    @pytest.mark.parametrize(
        "params",
        [
            {"limit": 0},
            {"limit": 101},
            {"limit": "many"},
            {"cursor": "not-a-cursor"},
            {"cursor": "W10"},
            # ["2026-01-01T00:00:00+00:00", "x"]: a forged id
            {"cursor": "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwieCJd"},
            # ["0001-01-01T00:00:00+01:00", <an id>]: out of range once in UTC
            {
                "cursor": "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzAxOjAwIiwiMDE4OTAwMDAtMDAwMC03MDAwLTgw"
                "MDAtMDAwMDAwMDAwMDAwIl0"
            },
            {"cursor": "x" * 201},
            {"order": "desc"},
        ],
    )
    async def test_bad_parameters_are_422(
        self, client: httpx.AsyncClient, params: dict[str, Any]
    ) -> None:
        post = await create_post(client, await signed_up(client))

        response = await client.get(comments_url(post["id"]), params=params)

        assert assert_problem(response, 422)["errors"]


class TestWiring:
    async def test_no_comment_route_resolves_anything_in_the_threadpool(
        self, api: Api, threadpool_hops: Callable[[], list[Any]]
    ) -> None:
        client = api.client
        auth = await signed_up(client)
        post = await create_post(client, auth)
        hops = threadpool_hops()

        comment = await create_comment(client, auth, post["id"])
        await client.get(comments_url(post["id"]))
        await client.get(f"{comments_url(post['id'])}/{comment['id']}", headers=auth)
        await client.delete(f"{comments_url(post['id'])}/{comment['id']}", headers=auth)

        assert hops == []
