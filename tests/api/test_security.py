"""Hostile clients, along the OWASP API Security Top 10 (2023) risks that apply here.

- API1 object-level authorization: nobody changes another user's post.
- API2 broken authentication: forged, tampered, expired or misused tokens are refused;
  sign-in and registration answer the same, with the same hashing work, whether or
  not the account exists (throttling has its own tests).
- API3 property-level authorization: fields the server owns cannot be sent.
- API4 resource consumption: oversized bodies and URLs are refused before they are read.
- API8 misconfiguration: no password, token, hash or key in logs or responses.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from io import StringIO
from pathlib import Path
from typing import Any, TypeVar

import httpx
import jwt
import pytest
from dependency_injector import providers
from sqlalchemy import func, select
from starlette.types import Message

from app.domain.identity import utc_now
from app.infra.db.tables import posts, users
from app.infra.logs import build_handler
from app.infra.security.argon2_hasher import Argon2PasswordHasher
from tests.api.conftest import Api, assert_problem, create_post, make_container, register, signed_up
from tests.databases import ScratchDatabase, create_sqlite_database
from tests.served import served as serving

T = TypeVar("T")
WRITES = ["put", "patch", "delete"]


async def _count(api: Api, table: Any) -> int:
    async with api.container.read_connection_factory()() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar())


class TestObjectLevelAuthorization:
    @pytest.mark.parametrize("method", WRITES)
    async def test_no_one_but_the_author_changes_a_post(
        self, client: httpx.AsyncClient, method: str
    ) -> None:
        owner = await signed_up(client, "owner@example.com")
        post = await create_post(client, owner, tags=["mine"])
        intruder = await signed_up(client, "intruder@example.com")
        created = await client.get(f"/api/v1/posts/{post['id']}")
        body = {"title": "Taken", "body": "over", "tags": []}

        # Even with the post's current ETag, which anyone can read.
        response = await client.request(
            method.upper(),
            f"/api/v1/posts/{post['id']}",
            json=None if method == "delete" else body,
            headers={**intruder, "If-Match": created.headers["etag"]},
        )

        assert_problem(response, 403)
        assert (await client.get(f"/api/v1/posts/{post['id']}")).json() == post


def _claims(subject: str, kind: str, **changes: Any) -> dict[str, Any]:
    now = int(utc_now().timestamp())
    claims = {"sub": subject, "jti": "forged", "typ": kind, "iat": now, "exp": now + 600}
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _tampered(token: str, subject: str) -> str:
    """The token with another subject in its payload and its original signature."""
    header, payload, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["sub"] = subject
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{forged}.{signature}"


HOUR_AGO = -3600
NO_SUCH_USER = "01890000-0000-7000-8000-000000000000"
Forge = Callable[[str, str, str, str], str]
FORGERIES: dict[str, Forge] = {
    # (secret, subject, kind, a genuine token of that kind for another user) -> a token
    # that claims to be `subject`'s
    "alg none": lambda _s, sub, kind, _t: jwt.encode(_claims(sub, kind), "", algorithm="none"),
    "wrong key": lambda _s, sub, kind, _t: jwt.encode(_claims(sub, kind), "k" * 32, "HS256"),
    "expired": lambda s, sub, kind, _t: jwt.encode(
        _claims(sub, kind, exp=int(utc_now().timestamp()) + HOUR_AGO), s, "HS256"
    ),
    "other algorithm": lambda s, sub, kind, _t: jwt.encode(_claims(sub, kind), s, "HS512"),
    "no type": lambda s, sub, kind, _t: jwt.encode(_claims(sub, kind, typ=None), s, "HS256"),
    "no expiry": lambda s, sub, kind, _t: jwt.encode(_claims(sub, kind, exp=None), s, "HS256"),
    "other type": lambda s, sub, kind, _t: jwt.encode(
        _claims(sub, "refresh" if kind == "access" else "access"), s, "HS256"
    ),
    "tampered subject": lambda _s, sub, _k, token: _tampered(token, sub),
    "no such user": lambda s, _sub, kind, _t: jwt.encode(_claims(NO_SUCH_USER, kind), s, "HS256"),
    # Validly signed, with an expiry no date can hold: refused, never a 500.
    "expiry 10**12": lambda s, sub, kind, _t: jwt.encode(
        _claims(sub, kind, exp=10**12), s, "HS256"
    ),
    "expiry 1e20": lambda s, sub, kind, _t: jwt.encode(_claims(sub, kind, exp=1e20), s, "HS256"),
}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
class TestForgedTokens:
    @pytest.mark.parametrize("forgery", FORGERIES)
    async def test_a_forged_access_token_is_refused(self, api: Api, forgery: str) -> None:
        victim = await register(api.client, "victim@example.com")
        own = await signed_up(api.client, "attacker@example.com")
        secret = api.container.settings().jwt_secret.get_secret_value()
        genuine = own["Authorization"].split()[1]
        forged = {
            "Authorization": f"Bearer {FORGERIES[forgery](secret, victim['id'], 'access', genuine)}"
        }

        me = await api.client.get("/api/v1/users/me", headers=forged)
        write = await api.client.post(
            "/api/v1/posts", json={"title": "as you", "body": "b"}, headers=forged
        )

        assert_problem(me, 401)
        assert_problem(write, 401)
        assert write.headers["www-authenticate"] == "Bearer"
        assert await _count(api, posts) == 0

    @pytest.mark.parametrize("forgery", FORGERIES)
    async def test_a_forged_refresh_token_is_refused(self, api: Api, forgery: str) -> None:
        victim = await register(api.client, "victim@example.com")
        await register(api.client, "attacker@example.com")
        pair = await api.client.post(
            "/api/v1/auth/token",
            data={"username": "attacker@example.com", "password": "correct horse"},
        )
        secret = api.container.settings().jwt_secret.get_secret_value()
        genuine = pair.json()["refresh_token"]
        forged = FORGERIES[forgery](secret, victim["id"], "refresh", genuine)

        response = await api.client.post("/api/v1/auth/refresh", json={"refresh_token": forged})
        still_good = await api.client.post("/api/v1/auth/refresh", json={"refresh_token": genuine})

        assert_problem(response, 401)
        assert still_good.status_code == 200  # the refusal did not revoke the attacker's own


class TestServerOwnedFields:
    @pytest.mark.parametrize("method", ["put", "patch"])
    @pytest.mark.parametrize("field", ["id", "author_id", "version", "created_at", "updated_at"])
    async def test_a_change_cannot_set_them(
        self, client: httpx.AsyncClient, method: str, field: str
    ) -> None:
        auth = await signed_up(client)
        other = await register(client, "other@example.com")
        post = await create_post(client, auth)
        value = other["id"] if field in ("id", "author_id") else 99

        response = await client.request(
            method.upper(),
            f"/api/v1/posts/{post['id']}",
            json={"title": "t", "body": "b", field: value},
            headers=auth,
        )

        problem = assert_problem(response, 422)
        assert ["body", field] in [issue["loc"] for issue in problem["errors"]]
        assert (await client.get(f"/api/v1/posts/{post['id']}")).json() == post

    @pytest.mark.parametrize("field", ["id", "created_at", "password_hash", "is_admin"])
    async def test_registration_cannot_set_them(self, api: Api, field: str) -> None:
        body = {"email": "ada@example.com", "password": "correct horse", "display_name": "Ada"}

        response = await api.client.post("/api/v1/users", json={**body, field: "x"})

        assert_problem(response, 422)
        assert await _count(api, users) == 0


class CountingHasher(Argon2PasswordHasher):
    """The real hasher, counting the argon2 computations it makes."""

    computations = 0

    async def _off_loop(self, function: Callable[..., T], *args: str) -> T:
        self.computations += 1
        return await super()._off_loop(function, *args)


@pytest.fixture
async def counted(fresh_database: ScratchDatabase) -> AsyncIterator[tuple[Api, CountingHasher]]:
    hasher = CountingHasher(memory_kib=1024, time_cost=1, parallelism=1)
    container = make_container(fresh_database.url)
    container.password_hasher.override(providers.Object(hasher))
    async with serving(container) as api:
        yield api, hasher


class TestNoAccountEnumeration:
    async def test_a_wrong_password_and_an_unknown_account_cost_the_same(
        self, counted: tuple[Api, CountingHasher]
    ) -> None:
        api, hasher = counted
        await register(api.client)
        # The decoy hash for unknown accounts is made once per process, by the first one.
        await self._sign_in(api, "first-unknown@example.com")

        def attempt(email: str) -> Any:
            async def run() -> tuple[int, httpx.Response]:
                before = hasher.computations
                response = await self._sign_in(api, email)
                return hasher.computations - before, response

            return run()

        wrong_work, wrong = await attempt("ada@example.com")
        unknown_work, unknown = await attempt("nobody@example.com")

        assert (wrong_work, unknown_work) == (1, 1)
        assert_problem(wrong, 401)
        assert wrong.json() == unknown.json()
        assert _comparable(wrong.headers) == _comparable(unknown.headers)

    async def test_registering_a_taken_email_costs_what_a_new_one_does(
        self, counted: tuple[Api, CountingHasher]
    ) -> None:
        api, hasher = counted
        before = hasher.computations
        await register(api.client, "ada@example.com")
        new_work = hasher.computations - before

        before = hasher.computations
        taken = await api.client.post(
            "/api/v1/users",
            json={"email": "ADA@example.com", "password": "another one", "display_name": "A"},
        )
        taken_work = hasher.computations - before

        assert_problem(taken, 409)
        assert (new_work, taken_work) == (1, 1)

    @staticmethod
    async def _sign_in(api: Api, email: str) -> httpx.Response:
        return await api.client.post(
            "/api/v1/auth/token", data={"username": email, "password": "not the password"}
        )


def _comparable(headers: httpx.Headers) -> dict[str, str]:
    varying = {"x-request-id", "content-length", "date"}
    return {name: value for name, value in headers.items() if name not in varying}


class TestOversizedRequests:
    @pytest.fixture
    async def small(self, tmp_path: Path) -> AsyncIterator[Api]:
        database = await create_sqlite_database(tmp_path)
        container = make_container(
            database.url, max_request_body_bytes=1000, max_url_bytes=300, max_header_bytes=2000
        )
        async with serving(container) as api:
            yield api

    async def test_an_announced_large_body_is_refused_unread_and_unauthenticated(
        self, small: Api
    ) -> None:
        read: list[Message] = []
        sent: list[Message] = []

        async def receive() -> Message:
            read.append({"type": "http.request"})
            raise AssertionError("the body was read")

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/v1/posts",
            "raw_path": b"/api/v1/posts",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1001")],
            "client": ("127.0.0.1", 50000),
            "server": ("test", 80),
        }

        await small.app(scope, receive, send)

        start, body = sent[0], b"".join(message.get("body", b"") for message in sent[1:])
        assert start["status"] == 413  # not 401: refused before the token is looked at
        assert json.loads(body)["detail"] == "the request body is larger than 1000 bytes"
        assert read == []

    async def test_a_streamed_body_is_refused_once_it_passes_the_limit(self, small: Api) -> None:
        auth = await signed_up(small.client)
        chunks_read = 0

        async def chunks() -> AsyncIterator[bytes]:
            nonlocal chunks_read
            yield b'{"title": "t", "body": "'
            for _ in range(100):
                chunks_read += 1
                yield b"x" * 100
            yield b'"}'

        response = await small.client.post(
            "/api/v1/posts",
            content=chunks(),
            headers={**auth, "Content-Type": "application/json"},
        )

        assert_problem(response, 413)
        assert chunks_read < 100
        assert await _count(small, posts) == 0

    @pytest.mark.parametrize("streamed", [False, True])
    async def test_a_body_of_exactly_the_limit_is_served(self, small: Api, streamed: bool) -> None:
        auth = await signed_up(small.client)
        start = b'{"title": "t", "body": "'
        body = start + b"x" * (1000 - len(start) - 2) + b'"}'

        async def chunks() -> AsyncIterator[bytes]:
            for offset in range(0, len(body), 100):
                yield body[offset : offset + 100]

        response = await small.client.post(
            "/api/v1/posts",
            content=chunks() if streamed else body,
            headers={**auth, "Content-Type": "application/json"},
        )

        assert len(body) == 1000
        assert response.status_code == 201, response.text

    async def test_a_url_longer_than_the_limit_is_refused(self, small: Api) -> None:
        path = "/api/v1/posts/"  # 14 bytes

        at_limit = await small.client.get(path + "x" * 286)
        over = await small.client.get(path + "x" * 287)
        over_by_query = await small.client.get("/api/v1/posts?q=" + "x" * 286)  # 301 bytes

        assert_problem(at_limit, 404)  # looked for
        problem = assert_problem(over, 414)
        assert problem["detail"] == "the URL is longer than 300 bytes"
        assert_problem(over_by_query, 414)  # the query string counts

    async def test_headers_larger_than_the_limit_are_refused(self, small: Api) -> None:
        def padded(extra: int) -> httpx.Request:
            request = small.client.build_request("GET", "/api/v1/posts", headers={"x-pad": ""})
            size = sum(len(name) + len(value) for name, value in request.headers.raw)
            request.headers["x-pad"] = "p" * (2000 - size + extra)
            return request

        at_limit = await small.client.send(padded(0))
        over = await small.client.send(padded(1))

        assert at_limit.status_code == 200, at_limit.text
        problem = assert_problem(over, 431)
        assert problem["detail"] == "the request headers are larger than 2000 bytes"

    async def test_the_default_limit_takes_the_largest_post_however_it_is_encoded(
        self, client: httpx.AsyncClient
    ) -> None:
        auth = await signed_up(client)
        # 100,000 characters outside the BMP, each escaped as a surrogate pair: 1.2 MB.
        body = json.dumps({"title": "t", "body": "\U0001f600" * 100_000}).encode()

        response = await client.post(
            "/api/v1/posts", content=body, headers={**auth, "Content-Type": "application/json"}
        )

        assert response.status_code == 201, response.text
        assert len(body) > 1_200_000


class TestSecretsStayOut:
    async def test_no_password_token_hash_or_key_is_logged_or_answered(self, api: Api) -> None:
        stream = StringIO()
        handler = build_handler(json_lines=True, stream=stream)
        root = logging.getLogger()
        root.addHandler(handler)
        previous = root.level
        root.setLevel(logging.DEBUG)
        responses: list[httpx.Response] = []
        try:
            client = api.client
            responses.append(
                await client.post(
                    "/api/v1/users",
                    json={"email": "ada@example.com", "password": "pw-Ab3!", "display_name": "A"},
                )
            )
            user = await register(client, password="correct horse battery")
            responses.append(
                await client.post(
                    "/api/v1/auth/token",
                    data={"username": "ada@example.com", "password": "wrong horse battery"},
                )
            )
            pair = await client.post(
                "/api/v1/auth/token",
                data={"username": "ada@example.com", "password": "correct horse battery"},
            )
            tokens = pair.json()
            auth = {"Authorization": f"Bearer {tokens['access_token']}"}
            responses.append(await client.get("/api/v1/users/me", headers=auth))
            responses.append(await client.get(f"/api/v1/users/{user['id']}", headers=auth))
            refreshed = await client.post(
                "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
            responses.append(
                await client.post(
                    "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
                )
            )
            responses.append(
                await client.get("/api/v1/users/me", headers={"Authorization": "Bearer x.y.z"})
            )
        finally:
            root.removeHandler(handler)
            root.setLevel(previous)
        async with api.container.read_connection_factory()() as connection:
            password_hash = (await connection.execute(select(users.c.password_hash))).scalar()

        logged = stream.getvalue()
        answered = "\n".join(response.text for response in responses)
        secrets = {
            "a password": "correct horse battery",
            "a wrong password": "wrong horse battery",
            "a refused password": "pw-Ab3!",
            "an access token": tokens["access_token"],
            "a refresh token": tokens["refresh_token"],
            "a rotated refresh token": refreshed.json()["refresh_token"],
            "the password hash": str(password_hash),
            "the signing key": api.container.settings().jwt_secret.get_secret_value(),
        }
        access_lines = [line for line in logged.splitlines() if '"logger": "app.access"' in line]
        assert len(access_lines) >= 8  # the capture saw every request
        assert [name for name, value in secrets.items() if value in logged] == []
        assert [name for name, value in secrets.items() if value in answered] == []
