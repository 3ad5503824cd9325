"""Registration, the signed-in account and public profiles."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import assert_problem, register, sign_in, signed_up


class TestRegister:
    async def test_a_new_account_is_created(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/users",
            json={"email": "Ada@Example.COM", "password": "long enough", "display_name": "Ada"},
        )

        assert response.status_code == 201
        user = response.json()
        assert set(user) == {"id", "email", "display_name", "created_at"}
        assert user["email"] == "Ada@Example.COM"
        assert response.headers["location"] == f"/api/v1/users/{user['id']}"
        assert user["created_at"].endswith("Z")

    async def test_an_email_taken_in_another_case_is_a_conflict(
        self, client: httpx.AsyncClient
    ) -> None:
        await register(client, "ada@example.com")

        response = await client.post(
            "/api/v1/users",
            json={"email": "ADA@example.com", "password": "long enough", "display_name": "A"},
        )

        assert_problem(response, 409)

    @pytest.mark.parametrize(
        ("registered", "again"),
        [
            ("ren\u00e9@example.com", "rene\u0301@example.com"),
            ("ada@b\u00fccher.example", "ada@xn--bcher-kva.example"),
            ("ada@example.com", "\uff41\uff44\uff41@example.com"),
        ],
        ids=["nfc-then-nfd", "idna", "full-width"],
    )
    async def test_another_form_of_one_mailbox_is_a_conflict_and_signs_in(
        self, client: httpx.AsyncClient, registered: str, again: str
    ) -> None:
        await register(client, registered)

        response = await client.post(
            "/api/v1/users",
            json={"email": again, "password": "long enough", "display_name": "A"},
        )
        signed_in = await client.post(
            "/api/v1/auth/token", data={"username": again, "password": "correct horse"}
        )

        assert_problem(response, 409)
        assert signed_in.status_code == 200, signed_in.text

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("email", "not-an-email"),
            ("password", "short"),
            ("password", "x" * 129),
            ("display_name", ""),
            ("display_name", "x" * 51),
        ],
    )
    async def test_invalid_fields_are_refused(
        self, client: httpx.AsyncClient, field: str, value: str
    ) -> None:
        body = {"email": "ada@example.com", "password": "long enough", "display_name": "Ada"}
        body[field] = value

        response = await client.post("/api/v1/users", json=body)

        problem = assert_problem(response, 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", field]]

    async def test_a_client_cannot_choose_the_id(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/users",
            json={
                "id": "mine",
                "email": "a@example.com",
                "password": "long enough",
                "display_name": "A",
            },
        )

        assert_problem(response, 422)

    async def test_the_password_is_never_echoed(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/users",
            json={"email": "bad", "password": "my secret pass", "display_name": "A"},
        )

        assert_problem(response, 422)
        assert "my secret pass" not in response.text


class TestMe:
    async def test_the_signed_in_user_sees_their_account(self, client: httpx.AsyncClient) -> None:
        user = await register(client)
        auth = await sign_in(client)

        response = await client.get("/api/v1/users/me", headers=auth)

        assert response.status_code == 200
        assert response.json() == user

    async def test_without_a_token_the_answer_is_401_with_a_challenge(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/api/v1/users/me")

        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_a_forged_token_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            "/api/v1/users/me", headers={"Authorization": "Bearer not.a.token"}
        )

        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


class TestPublicProfile:
    async def test_anyone_sees_only_the_public_fields(self, client: httpx.AsyncClient) -> None:
        user = await register(client)

        response = await client.get(f"/api/v1/users/{user['id']}")

        assert response.status_code == 200
        assert response.json() == {
            "id": user["id"],
            "display_name": user["display_name"],
            "created_at": user["created_at"],
        }

    async def test_an_unknown_user_is_404(self, client: httpx.AsyncClient) -> None:
        await signed_up(client)

        response = await client.get("/api/v1/users/01890000-0000-7000-8000-000000000000")

        problem = assert_problem(response, 404)
        assert problem["instance"] == "/api/v1/users/01890000-0000-7000-8000-000000000000"
