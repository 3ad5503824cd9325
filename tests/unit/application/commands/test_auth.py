"""Signing in and refreshing with AuthCommandService."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.application.commands.auth import AuthCommandService, TokenPair
from app.application.throttling import LoginThrottle, ThrottlePolicy
from app.domain.errors import TooManyAttempts, Unauthorized, Unavailable
from app.domain.identity import utc_now
from app.domain.users import User
from app.infra.security.jwt_codec import JwtTokenCodec
from app.infra.throttling import MemoryAttemptCounter
from tests.fakes.clock import Ticking
from tests.fakes.security import FakePasswordHasher
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeWriteUnitOfWork

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
def ticking() -> Ticking:
    return Ticking()


@pytest.fixture
def auth(
    database: FakeDatabase, hasher: FakePasswordHasher, codec: JwtTokenCodec, ticking: Ticking
) -> AuthCommandService:
    policy = ThrottlePolicy(failures_per_account=3, failures_per_address=5, window_seconds=60)
    return AuthCommandService(
        write_uow=lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS),
        hasher=hasher,
        tokens=codec,
        clock=utc_now,
        throttle=LoginThrottle(MemoryAttemptCounter(clock=ticking), policy),
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


class TestThrottling:
    async def test_an_account_that_failed_too_often_is_refused_until_its_window_ends(
        self, auth: AuthCommandService, ada: User, ticking: Ticking, hasher: FakePasswordHasher
    ) -> None:
        for _ in range(3):
            with pytest.raises(Unauthorized):
                await auth.login("ada@example.com", "wrong")
        verified = hasher.verified

        with pytest.raises(TooManyAttempts) as refused:
            await auth.login("ADA@example.com", PASSWORD, address="10.0.0.9")
        ticking.now += 60

        assert refused.value.retry_after == 60
        assert hasher.verified == verified  # refused before any password is checked
        assert (await auth.login("ada@example.com", PASSWORD)).access_token

    async def test_unknown_emails_are_throttled_like_known_ones(
        self, auth: AuthCommandService
    ) -> None:
        for _ in range(3):
            with pytest.raises(Unauthorized):
                await auth.login("nobody@example.com", "wrong")

        with pytest.raises(TooManyAttempts):
            await auth.login("nobody@example.com", "wrong")

    async def test_an_address_that_failed_too_often_is_refused_for_every_account(
        self, auth: AuthCommandService, ada: User
    ) -> None:
        for number in range(5):
            with pytest.raises(Unauthorized):
                await auth.login(f"user{number}@example.com", "wrong", address="10.0.0.1")

        with pytest.raises(TooManyAttempts):
            await auth.login("ada@example.com", PASSWORD, address="10.0.0.1")
        assert (await auth.login("ada@example.com", PASSWORD, address="10.0.0.2")).access_token

    async def test_a_success_clears_the_account_count(
        self, auth: AuthCommandService, ada: User
    ) -> None:
        for _ in range(2):
            with pytest.raises(Unauthorized):
                await auth.login("ada@example.com", "wrong")
        await auth.login("ada@example.com", PASSWORD)
        for _ in range(2):
            with pytest.raises(Unauthorized):
                await auth.login("ada@example.com", "wrong")

        assert (await auth.login("ada@example.com", PASSWORD)).access_token


class YieldingHasher(FakePasswordHasher):
    """Checks take a while, as argon2's do: concurrent sign-ins overlap."""

    async def verify(self, password_hash: str, password: str) -> bool:
        await asyncio.sleep(0.01)
        return await super().verify(password_hash, password)

    async def burn(self) -> None:
        await asyncio.sleep(0.01)
        await super().burn()


class TestThrottlingUnderConcurrency:
    @pytest.fixture
    def hasher(self) -> FakePasswordHasher:
        return YieldingHasher()

    async def test_racing_guesses_check_no_more_passwords_than_the_account_limit(
        self, auth: AuthCommandService, ada: User, hasher: FakePasswordHasher
    ) -> None:
        guesses = [auth.login("ada@example.com", f"guess {n}") for n in range(39)]
        guesses.append(auth.login("ada@example.com", PASSWORD))

        results = await asyncio.gather(*guesses, return_exceptions=True)

        assert hasher.verified == 3  # the account's limit, however many arrived at once
        assert sum(isinstance(result, TooManyAttempts) for result in results) == 37

    async def test_racing_guesses_from_one_address_stay_within_its_limit(
        self, auth: AuthCommandService, ada: User, hasher: FakePasswordHasher
    ) -> None:
        guesses = [
            auth.login(f"user{n}@example.com", "wrong", address="10.0.0.7") for n in range(20)
        ]

        await asyncio.gather(*guesses, return_exceptions=True)

        assert hasher.verified + hasher.burned == 5


class TestThrottlingDuringOutages:
    async def test_attempts_that_failed_before_any_check_do_not_count(
        self,
        auth: AuthCommandService,
        ada: User,
        database: FakeDatabase,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        async def database_down(self: Any, email: str) -> None:
            raise Unavailable("the database is unavailable")

        with monkeypatch.context() as outage:
            outage.setattr(AuthCommandService, "_find_user", database_down)
            for _ in range(10):
                with pytest.raises(Unavailable):
                    await auth.login("ada@example.com", PASSWORD, address="10.0.0.3")

        assert (await auth.login("ada@example.com", PASSWORD, address="10.0.0.3")).access_token
