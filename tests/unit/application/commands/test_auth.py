"""Signing in and refreshing with AuthCommandService."""

from __future__ import annotations

import pytest

from app.application.commands.auth import AuthCommandService, TokenPair
from app.domain.errors import Unauthorized
from app.domain.identity import utc_now
from app.domain.users import User
from app.infra.security.jwt_codec import JwtTokenCodec
from tests.fakes.security import FakePasswordHasher
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeWriteUnitOfWork

PASSWORD = "correct horse"


@pytest.fixture
def codec() -> JwtTokenCodec:
    return JwtTokenCodec(secret="s" * 32, access_ttl_seconds=900, refresh_ttl_seconds=3600)


@pytest.fixture
async def ada(database: FakeDatabase, hasher: FakePasswordHasher) -> User:
    user = User.register(
        email="Ada@Example.com",
        display_name="Ada",
        password_hash=await hasher.hash(PASSWORD),
        now=utc_now(),
    )
    database.tables.users[user.id] = user
    return user


@pytest.fixture
def auth(
    database: FakeDatabase, hasher: FakePasswordHasher, codec: JwtTokenCodec
) -> AuthCommandService:
    return AuthCommandService(
        write_uow=lambda: FakeWriteUnitOfWork(database),
        hasher=hasher,
        tokens=codec,
        clock=utc_now,
    )


class TestLogin:
    async def test_right_password_gives_an_access_token_for_the_user(
        self, auth: AuthCommandService, codec: JwtTokenCodec, ada: User
    ) -> None:
        pair = await auth.login("Ada@Example.com", PASSWORD)

        assert codec.decode(pair.access_token, kind="access").subject == ada.id
        assert pair.expires_in == 900

    async def test_email_in_another_case_signs_in(
        self, auth: AuthCommandService, codec: JwtTokenCodec, ada: User
    ) -> None:
        pair = await auth.login("ada@example.COM", PASSWORD)

        assert codec.decode(pair.access_token, kind="access").subject == ada.id

    async def test_login_records_the_refresh_token(
        self, auth: AuthCommandService, codec: JwtTokenCodec, database: FakeDatabase, ada: User
    ) -> None:
        pair = await auth.login("Ada@Example.com", PASSWORD)

        token_id = codec.decode(pair.refresh_token, kind="refresh").token_id
        assert database.tables.refresh_tokens[token_id].user_id == ada.id

    async def test_unknown_email_is_unauthorized_and_burns_a_verification(
        self, auth: AuthCommandService, hasher: FakePasswordHasher, ada: User
    ) -> None:
        with pytest.raises(Unauthorized):
            await auth.login("nobody@example.com", PASSWORD)

        assert hasher.burned == 1

    async def test_wrong_password_reads_the_same_as_unknown_email(
        self, auth: AuthCommandService, hasher: FakePasswordHasher, ada: User
    ) -> None:
        with pytest.raises(Unauthorized) as unknown:
            await auth.login("nobody@example.com", PASSWORD)
        with pytest.raises(Unauthorized) as wrong:
            await auth.login("Ada@Example.com", "wrong password")

        assert wrong.value.detail == unknown.value.detail
        assert str(wrong.value) == str(unknown.value)

    async def test_failed_login_records_no_token(
        self, auth: AuthCommandService, database: FakeDatabase, ada: User
    ) -> None:
        with pytest.raises(Unauthorized):
            await auth.login("Ada@Example.com", "wrong password")

        assert database.tables.refresh_tokens == {}


class TestRefresh:
    @pytest.fixture
    async def pair(self, auth: AuthCommandService, ada: User) -> TokenPair:
        return await auth.login("Ada@Example.com", PASSWORD)

    async def test_refresh_token_gives_a_new_pair_for_the_same_user(
        self, auth: AuthCommandService, codec: JwtTokenCodec, pair: TokenPair, ada: User
    ) -> None:
        fresh = await auth.refresh(pair.refresh_token)

        assert codec.decode(fresh.access_token, kind="access").subject == ada.id
        assert fresh.refresh_token != pair.refresh_token

    async def test_new_refresh_token_works_in_turn(
        self, auth: AuthCommandService, codec: JwtTokenCodec, pair: TokenPair, ada: User
    ) -> None:
        fresh = await auth.refresh(pair.refresh_token)

        again = await auth.refresh(fresh.refresh_token)

        assert codec.decode(again.access_token, kind="access").subject == ada.id

    async def test_second_use_of_a_refresh_token_is_unauthorized(
        self, auth: AuthCommandService, pair: TokenPair
    ) -> None:
        await auth.refresh(pair.refresh_token)

        with pytest.raises(Unauthorized):
            await auth.refresh(pair.refresh_token)

    async def test_access_token_given_as_refresh_token_is_unauthorized(
        self, auth: AuthCommandService, database: FakeDatabase, pair: TokenPair
    ) -> None:
        with pytest.raises(Unauthorized):
            await auth.refresh(pair.access_token)

        assert len(database.tables.refresh_tokens) == 1

    async def test_token_never_recorded_is_unauthorized(
        self, auth: AuthCommandService, codec: JwtTokenCodec, ada: User
    ) -> None:
        forged, _ = codec.issue(subject=ada.id, kind="refresh", now=utc_now())

        with pytest.raises(Unauthorized):
            await auth.refresh(forged)

    async def test_garbage_is_unauthorized(self, auth: AuthCommandService) -> None:
        with pytest.raises(Unauthorized):
            await auth.refresh("not.a.token")
