"""Reading posts: one with its ETag, and filtered keyset pages."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.api.conftest import assert_problem, create_post, signed_up


async def _all_pages(client: httpx.AsyncClient, **params: Any) -> tuple[list[str], list[int]]:
    ids: list[str] = []
    totals: list[int] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/posts", params=query)).json()
        ids.extend(item["id"] for item in page["items"])
        totals.append(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            return ids, totals


class TestGetPost:
    async def test_a_post_comes_with_its_etag(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)

        response = await client.get(f"/api/v1/posts/{post['id']}")

        assert response.status_code == 200
        assert response.json() == post
        assert response.headers["etag"] == f'"{post["id"]}.1"'

    async def test_a_matching_if_none_match_is_304(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)
        etag = (await client.get(f"/api/v1/posts/{post['id']}")).headers["etag"]

        response = await client.get(f"/api/v1/posts/{post['id']}", headers={"If-None-Match": etag})

        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == etag

    async def test_if_none_match_may_span_several_header_lines(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)
        headers = [("If-None-Match", '"other"'), ("If-None-Match", f'"{post["id"]}.1"')]

        response = await client.get(f"/api/v1/posts/{post['id']}", headers=headers)

        assert response.status_code == 304

    async def test_an_old_if_none_match_gets_the_new_post(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)
        old = f'"{post["id"]}.1"'
        await client.patch(f"/api/v1/posts/{post['id']}", json={"title": "v2"}, headers=auth)

        response = await client.get(f"/api/v1/posts/{post['id']}", headers={"If-None-Match": old})

        assert response.status_code == 200
        assert response.json()["title"] == "v2"

    async def test_an_unknown_post_is_404(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/api/v1/posts/unknown"), 404)


class TestListPosts:
    async def test_newest_first_with_total_and_no_cursor_on_the_last_page(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        posts = [await create_post(client, auth, title=f"p{n}") for n in range(3)]

        page = (await client.get("/api/v1/posts")).json()

        assert [item["id"] for item in page["items"]] == [post["id"] for post in reversed(posts)]
        assert page["total"] == 3
        assert page["next_cursor"] is None

    async def test_cursors_walk_every_post_once_in_both_orders(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        posts = [await create_post(client, auth, title=f"p{n}") for n in range(7)]
        created = [post["id"] for post in posts]

        newest_first, totals = await _all_pages(client, limit=3)
        oldest_first, _ = await _all_pages(client, limit=2, order="asc")

        assert newest_first == created[::-1]
        assert oldest_first == created
        assert totals == [7, 7, 7]

    async def test_posts_created_while_paging_neither_repeat_nor_shift(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        posts = [await create_post(client, auth, title=f"p{n}") for n in range(4)]
        first = (await client.get("/api/v1/posts", params={"limit": 2})).json()

        await create_post(client, auth, title="newer")
        second = (
            await client.get("/api/v1/posts", params={"limit": 2, "cursor": first["next_cursor"]})
        ).json()

        seen = [item["id"] for item in first["items"] + second["items"]]
        assert seen == [post["id"] for post in reversed(posts)]
        assert second["total"] == 5

    async def test_filters_narrow_the_items_and_the_total(self, client: httpx.AsyncClient) -> None:
        ada = await signed_up(client, "ada@example.com")
        bob = await signed_up(client, "bob@example.com")
        ada_id = (await client.get("/api/v1/users/me", headers=ada)).json()["id"]
        match = await create_post(client, ada, title="Async Python", tags=["python"])
        await create_post(client, ada, title="Async Rust", tags=["rust"])
        await create_post(client, bob, title="python by bob", tags=["python"])

        page = (
            await client.get(
                "/api/v1/posts", params={"author_id": ada_id, "tag": "python", "q": "PYTHON"}
            )
        ).json()

        assert [item["id"] for item in page["items"]] == [match["id"]]
        assert page["total"] == 1

    async def test_the_total_counts_matches_beyond_the_page(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        for n in range(5):
            await create_post(client, auth, title=f"p{n}", tags=["t"] if n % 2 else [])

        page = (await client.get("/api/v1/posts", params={"tag": "t", "limit": 1})).json()

        assert len(page["items"]) == 1
        assert page["total"] == 2
        assert page["next_cursor"] is not None

    @pytest.mark.parametrize(
        "params",
        [
            {"limit": 0},
            {"limit": 101},
            {"limit": "many"},
            {"order": "sideways"},
            {"cursor": "not-a-cursor"},
            {"cursor": "W10"},
            # ["desc", "0001-01-01T00:00:00+01:00", "x"]: out of range once in UTC
            {"cursor": "WyJkZXNjIiwgIjAwMDEtMDEtMDFUMDA6MDA6MDArMDE6MDAiLCAieCJd"},
            {"tag": "UPPER"},
            {"tag": "with space"},
            {"author_id": "not-an-id"},
            {"q": "nul\x00byte"},
            {"unknown": "parameter"},
        ],
    )
    async def test_bad_parameters_are_422(
        self, client: httpx.AsyncClient, params: dict[str, str | int]
    ) -> None:
        problem = assert_problem(await client.get("/api/v1/posts", params=params), 422)

        assert problem["errors"]

    async def test_a_cursor_is_refused_in_the_other_order(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        for n in range(3):
            await create_post(client, auth, title=f"p{n}")
        cursor = (await client.get("/api/v1/posts", params={"limit": 1})).json()["next_cursor"]

        response = await client.get("/api/v1/posts", params={"cursor": cursor, "order": "asc"})

        assert_problem(response, 422)


class TestForgedCursors:
    @pytest.mark.parametrize(
        "params",
        [{}, {"author_id": "01890000-0000-7000-8000-00000000a0da"}, {"tag": "x"}, {"q": "t"}],
        ids=["no-filter", "author", "tag", "title"],
    )
    async def test_a_cursor_with_a_lone_surrogate_id_is_a_422_whatever_the_filter(
        self, client: httpx.AsyncClient, params: dict[str, str]
    ) -> None:
        raw = json.dumps(["desc", "2099-01-01T00:00:00+00:00", "\ud800"]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode()

        response = await client.get("/api/v1/posts", params={**params, "cursor": cursor})

        assert_problem(response, 422)
