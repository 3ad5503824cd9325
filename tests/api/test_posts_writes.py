"""Creating, replacing, patching and deleting posts."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import assert_problem, create_post, signed_up


class TestCreatePost:
    async def test_a_post_is_created_with_location_and_etag(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        me = (await client.get("/api/v1/users/me", headers=auth)).json()

        response = await client.post(
            "/api/v1/posts",
            json={"title": "Hi", "body": "There", "tags": ["b", "a", "b"]},
            headers=auth,
        )

        assert response.status_code == 201
        post = response.json()
        assert post["tags"] == ["b", "a"]
        assert post["author_id"] == me["id"]
        assert post["version"] == 1
        assert post["created_at"] == post["updated_at"]
        assert response.headers["location"] == f"/api/v1/posts/{post['id']}"
        assert response.headers["etag"].startswith('"')

    async def test_signing_in_is_required(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/posts", json={"title": "t", "body": "b"})

        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"

    @pytest.mark.parametrize("field", ["id", "author_id", "version", "created_at"])
    async def test_server_owned_fields_cannot_be_sent(
        self, client: httpx.AsyncClient, field: str
    ) -> None:
        auth = await signed_up(client)

        response = await client.post(
            "/api/v1/posts", json={"title": "t", "body": "b", field: "x"}, headers=auth
        )

        problem = assert_problem(response, 422)
        assert problem["errors"][0]["loc"] == ["body", field]

    @pytest.mark.parametrize(
        "body",
        [
            {"title": "", "body": "b"},
            {"title": "t" * 201, "body": "b"},
            {"title": "t", "body": ""},
            {"title": "t", "body": "b", "tags": ["Upper"]},
            {"title": "t", "body": "b", "tags": ["x" * 31]},
            {"title": "t", "body": "b", "tags": [f"t{n}" for n in range(11)]},
            {"title": "t", "body": "b", "tags": "not-a-list"},
        ],
    )
    async def test_invalid_posts_are_refused(
        self, client: httpx.AsyncClient, body: dict[str, object]
    ) -> None:
        auth = await signed_up(client)

        response = await client.post("/api/v1/posts", json=body, headers=auth)

        assert_problem(response, 422)
        listing = await client.get("/api/v1/posts")
        assert listing.json()["total"] == 0

    async def test_ten_distinct_tags_after_removing_duplicates_are_fine(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        tags = [f"t{n}" for n in range(10)] + ["t0", "t1"]

        post = await create_post(client, auth, tags=tags)

        assert post["tags"] == [f"t{n}" for n in range(10)]

    async def test_a_body_of_100000_characters_is_accepted(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)

        post = await create_post(client, auth, body="é" * 100_000)

        fetched = await client.get(f"/api/v1/posts/{post['id']}")
        assert fetched.json()["body"] == "é" * 100_000


class TestReplacePost:
    async def test_the_author_replaces_the_post(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth, tags=["old"])

        response = await client.put(
            f"/api/v1/posts/{post['id']}",
            json={"title": "New", "body": "Text", "tags": ["new"]},
            headers=auth,
        )

        assert response.status_code == 200
        replaced = response.json()
        assert (replaced["title"], replaced["tags"], replaced["version"]) == ("New", ["new"], 2)
        assert replaced["updated_at"] >= post["updated_at"]
        fetched = await client.get(f"/api/v1/posts/{post['id']}")
        assert fetched.json() == replaced
        assert fetched.headers["etag"] == response.headers["etag"]

    async def test_a_stale_if_match_is_refused(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        created = await client.post("/api/v1/posts", json={"title": "t", "body": "b"}, headers=auth)
        first_etag = created.headers["etag"]
        post_id = created.json()["id"]
        await client.put(
            f"/api/v1/posts/{post_id}", json={"title": "v2", "body": "b"}, headers=auth
        )

        response = await client.put(
            f"/api/v1/posts/{post_id}",
            json={"title": "lost", "body": "b"},
            headers={**auth, "If-Match": first_etag},
        )

        assert_problem(response, 412)
        current = (await client.get(f"/api/v1/posts/{post_id}")).json()
        assert (current["title"], current["version"]) == ("v2", 2)

    async def test_a_current_if_match_is_accepted(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        created = await client.post("/api/v1/posts", json={"title": "t", "body": "b"}, headers=auth)

        response = await client.put(
            f"/api/v1/posts/{created.json()['id']}",
            json={"title": "v2", "body": "b"},
            headers={**auth, "If-Match": created.headers["etag"]},
        )

        assert response.status_code == 200
        assert response.headers["etag"] != created.headers["etag"]

    async def test_an_unknown_post_is_404(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)

        response = await client.put(
            "/api/v1/posts/nope", json={"title": "t", "body": "b"}, headers=auth
        )

        assert_problem(response, 404)


class TestPatchPost:
    async def test_only_the_given_fields_change(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth, tags=["keep"])

        response = await client.patch(
            f"/api/v1/posts/{post['id']}", json={"title": "Patched"}, headers=auth
        )

        assert response.status_code == 200
        patched = response.json()
        assert (patched["title"], patched["body"], patched["tags"]) == (
            "Patched",
            "World",
            ["keep"],
        )
        assert patched["version"] == 2

    @pytest.mark.parametrize("body", [{}, {"title": None}, {"tags": None}, {"version": 9}])
    async def test_empty_null_or_unknown_fields_are_refused(
        self, client: httpx.AsyncClient, body: dict[str, object]
    ) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)

        response = await client.patch(f"/api/v1/posts/{post['id']}", json=body, headers=auth)

        assert_problem(response, 422)
        assert (await client.get(f"/api/v1/posts/{post['id']}")).json()["version"] == 1

    @pytest.mark.parametrize("method", ["put", "patch"])
    async def test_a_bad_tag_is_one_error_at_the_tag_as_for_a_replace(
        self, client: httpx.AsyncClient, method: str
    ) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)
        body = (
            {"tags": ["BAD"]} if method == "patch" else {"title": "t", "body": "b", "tags": ["BAD"]}
        )

        response = await client.request(
            method, f"/api/v1/posts/{post['id']}", json=body, headers=auth
        )

        problem = assert_problem(response, 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", "tags", 0]]


class TestDeletePost:
    async def test_the_author_deletes_the_post(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)

        response = await client.delete(f"/api/v1/posts/{post['id']}", headers=auth)

        assert response.status_code == 204
        assert response.content == b""
        assert_problem(await client.get(f"/api/v1/posts/{post['id']}"), 404)

    async def test_a_stale_if_match_is_refused(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)
        stale = f'"{post["id"]}.0"'

        response = await client.delete(
            f"/api/v1/posts/{post['id']}", headers={**auth, "If-Match": stale}
        )

        assert_problem(response, 412)
        assert (await client.get(f"/api/v1/posts/{post['id']}")).status_code == 200

    async def test_signing_in_is_required(self, client: httpx.AsyncClient) -> None:
        auth = await signed_up(client)
        post = await create_post(client, auth)

        assert_problem(await client.delete(f"/api/v1/posts/{post['id']}"), 401)

    async def test_not_found_and_forbidden_come_before_the_precondition(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await signed_up(client, "owner@example.com")
        post = await create_post(client, owner)
        intruder = await signed_up(client, "intruder@example.com")
        unmatched = {"If-Match": '"no-such-tag"'}

        missing = await client.delete(
            "/api/v1/posts/01890000-0000-7000-8000-000000000000", headers={**owner, **unmatched}
        )
        foreign = await client.delete(
            f"/api/v1/posts/{post['id']}", headers={**intruder, **unmatched}
        )
        own = await client.delete(f"/api/v1/posts/{post['id']}", headers={**owner, **unmatched})

        assert [missing.status_code, foreign.status_code, own.status_code] == [404, 403, 412]
