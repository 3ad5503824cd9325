"""Signing in and refreshing tokens."""

from __future__ import annotations

import httpx
import jwt

from app.domain.identity import utc_now
from tests.api.conftest import Api, assert_problem, register, sign_in


async def _token_pair(client: httpx.AsyncClient) -> dict[str, object]:
    await register(client)
    return await _signed_in_pair(client)


async def _signed_in_pair(client: httpx.AsyncClient) -> dict[str, object]:
    response = await client.post(
        "/api/v1/auth/token", data={"username": "ada@example.com", "password": "correct horse"}
    )
    assert response.status_code == 200
    pair: dict[str, object] = response.json()
    return pair


class TestIssueToken:
    async def test_the_right_password_gives_a_token_pair(self, client: httpx.AsyncClient) -> None:
        user = await register(client)

        pair = await _signed_in_pair(client)

        assert set(pair) == {"access_token", "token_type", "expires_in", "refresh_token"}
        assert pair["token_type"] == "bearer"
        assert isinstance(pair["expires_in"], int)
        claims = jwt.decode(str(pair["access_token"]), options={"verify_signature": False})
        assert claims["sub"] == user["id"]
        assert {"exp", "iat", "jti", "sub"} <= claims.keys()

    async def test_token_responses_are_never_cached(self, client: httpx.AsyncClient) -> None:
        await register(client)
        issued = await client.post(
            "/api/v1/auth/token", data={"username": "ada@example.com", "password": "correct horse"}
        )
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": issued.json()["refresh_token"]}
        )

        assert issued.headers["cache-control"] == refreshed.headers["cache-control"] == "no-store"

    async def test_the_email_is_matched_in_any_case(self, client: httpx.AsyncClient) -> None:
        await register(client, "ada@example.com")

        auth = await sign_in(client, "ADA@EXAMPLE.COM")

        assert (await client.get("/api/v1/users/me", headers=auth)).status_code == 200

    async def test_a_wrong_password_and_an_unknown_email_look_the_same(
        self, client: httpx.AsyncClient
    ) -> None:
        await register(client)

        wrong = await client.post(
            "/api/v1/auth/token", data={"username": "ada@example.com", "password": "nope nope"}
        )
        unknown = await client.post(
            "/api/v1/auth/token", data={"username": "who@example.com", "password": "nope nope"}
        )

        assert assert_problem(wrong, 401) == assert_problem(unknown, 401)
        assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"] == "Bearer"

    async def test_a_missing_password_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/auth/token", data={"username": "a@example.com"})

        problem = assert_problem(response, 422)
        assert ["body", "password"] in [error["loc"] for error in problem["errors"]]

    async def test_the_password_grant_named_as_such_gives_a_token_pair(
        self, client: httpx.AsyncClient
    ) -> None:
        await register(client)
        form = {
            "grant_type": "password",
            "username": "ada@example.com",
            "password": "correct horse",
        }

        response = await client.post("/api/v1/auth/token", data=form)

        assert response.status_code == 200
        assert response.json()["token_type"] == "bearer"

    async def test_any_other_grant_type_is_422_and_issues_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        await register(client)
        form = {
            "grant_type": "client_credentials",
            "username": "ada@example.com",
            "password": "correct horse",
        }

        response = await client.post("/api/v1/auth/token", data=form)

        problem = assert_problem(response, 422)
        assert ["body", "grant_type"] in [error["loc"] for error in problem["errors"]]
        assert "access_token" not in response.text

    async def test_the_form_is_documented_under_a_name_of_its_own(
        self, client: httpx.AsyncClient
    ) -> None:
        document = (await client.get("/openapi.json")).json()
        operation = document["paths"]["/api/v1/auth/token"]["post"]
        body = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]

        assert body["schema"] == {"$ref": "#/components/schemas/SignInForm"}
        form = document["components"]["schemas"]["SignInForm"]
        assert form["properties"]["grant_type"]["anyOf"][0] == {
            "const": "password",
            "type": "string",
        }
        assert not [name for name in document["components"]["schemas"] if name.startswith("Body_")]


class TestRefresh:
    async def test_a_refresh_token_gives_a_working_new_pair(
        self, client: httpx.AsyncClient
    ) -> None:
        pair = await _token_pair(client)

        response = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )

        assert response.status_code == 200
        new_pair = response.json()
        assert new_pair["refresh_token"] != pair["refresh_token"]
        me = await client.get(
            "/api/v1/users/me", headers={"Authorization": f"Bearer {new_pair['access_token']}"}
        )
        assert me.status_code == 200

    async def test_a_refresh_token_works_only_once(self, client: httpx.AsyncClient) -> None:
        pair = await _token_pair(client)
        body = {"refresh_token": pair["refresh_token"]}
        assert (await client.post("/api/v1/auth/refresh", json=body)).status_code == 200

        again = await client.post("/api/v1/auth/refresh", json=body)

        assert_problem(again, 401)

    async def test_a_replayed_refresh_token_revokes_its_whole_family(
        self, client: httpx.AsyncClient
    ) -> None:
        stolen = await _token_pair(client)
        other_session = await _signed_in_pair(client)
        refresh = "/api/v1/auth/refresh"
        rotated = await client.post(refresh, json={"refresh_token": stolen["refresh_token"]})
        assert rotated.status_code == 200

        replay = await client.post(refresh, json={"refresh_token": stolen["refresh_token"]})
        descendant = await client.post(
            refresh, json={"refresh_token": rotated.json()["refresh_token"]}
        )
        unrelated = await client.post(
            refresh, json={"refresh_token": other_session["refresh_token"]}
        )

        assert_problem(replay, 401)
        assert_problem(descendant, 401)  # the family went with the replay
        assert unrelated.status_code == 200  # another sign-in is another family

    async def test_an_access_token_is_not_a_refresh_token(self, client: httpx.AsyncClient) -> None:
        pair = await _token_pair(client)

        response = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": pair["access_token"]}
        )

        assert_problem(response, 401)

    async def test_a_refresh_token_is_not_an_access_token(self, client: httpx.AsyncClient) -> None:
        pair = await _token_pair(client)

        response = await client.get(
            "/api/v1/users/me", headers={"Authorization": f"Bearer {pair['refresh_token']}"}
        )

        assert_problem(response, 401)

    async def test_a_token_that_cannot_be_encoded_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/api/v1/auth/refresh",
            content=b'{"refresh_token": "\\ud800"}',
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code in (401, 422)
        assert_problem(response, response.status_code)

    async def test_unknown_fields_are_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": "x", "user_id": "someone"}
        )

        assert_problem(response, 422)


class TestTokenOfAVanishedUser:
    async def test_a_token_whose_subject_is_not_an_id_is_401(self, api: Api) -> None:
        codec = api.container.token_codec()
        token, _ = codec.issue(subject="x" * 64, kind="access", now=utc_now())

        response = await api.client.post(
            "/api/v1/posts",
            json={"title": "t", "body": "b"},
            headers={"Authorization": f"Bearer {token}"},
        )

        assert_problem(response, 401)
