"""Registering users: the RegisterUser command and UserCommandService.register."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError

from app.application.commands.users import RegisterUser, UserCommandService
from app.application.throttling import RegistrationThrottle
from app.domain.errors import Conflict, TooManyAttempts
from app.infra.throttling import MemoryAttemptCounter
from tests.fakes.clock import T0, FakeClock
from tests.fakes.security import FakePasswordHasher
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeWriteUnitOfWork


def registration(**changes: Any) -> RegisterUser:
    fields: dict[str, Any] = {
        "email": "ada@example.com",
        "password": "correct horse",
        "display_name": "Ada",
    }
    return RegisterUser.model_validate(fields | changes)


@pytest.fixture
def users(
    database: FakeDatabase, hasher: FakePasswordHasher, clock: FakeClock
) -> UserCommandService:
    return UserCommandService(
        write_uow=lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS),
        hasher=hasher,
        clock=clock,
        throttle=RegistrationThrottle(MemoryAttemptCounter(), per_address=3, window_seconds=60),
    )


class TestRegisterUserCommand:
    @pytest.mark.parametrize("email", ["not-an-email", "ada@", "@example.com", "a b@example.com"])
    def test_invalid_email_is_rejected(self, email: str) -> None:
        with pytest.raises(ValidationError):
            registration(email=email)

    def test_password_shorter_than_eight_characters_is_rejected(self) -> None:
        with pytest.raises(ValidationError):
            registration(password="7chars!")

    def test_password_of_eight_characters_is_accepted(self) -> None:
        assert registration(password="8chars!!").password == "8chars!!"

    def test_empty_display_name_is_rejected(self) -> None:
        with pytest.raises(ValidationError):
            registration(display_name="")

    @pytest.mark.parametrize("field", ["id", "password_hash", "is_admin"])
    def test_unknown_field_is_rejected(self, field: str) -> None:
        with pytest.raises(ValidationError):
            registration(**{field: "x"})

    def test_email_is_kept_exactly_as_given(self) -> None:
        assert registration(email="Ada@Example.COM").email == "Ada@Example.COM"


class TestRegister:
    async def test_user_is_stored_with_a_hash_of_the_password(
        self, users: UserCommandService, database: FakeDatabase, hasher: FakePasswordHasher
    ) -> None:
        user = await users.register(registration())

        stored = database.tables.users[user.id]
        assert stored.password_hash != "correct horse"
        assert await hasher.verify(stored.password_hash, "correct horse")
        assert stored.created_at == T0
        assert database.commits == 1

    async def test_email_is_stored_exactly_as_given(
        self, users: UserCommandService, database: FakeDatabase
    ) -> None:
        user = await users.register(registration(email="Ada@Example.COM"))

        assert database.tables.users[user.id].email == "Ada@Example.COM"

    async def test_email_taken_in_another_case_is_a_conflict(
        self, users: UserCommandService, database: FakeDatabase
    ) -> None:
        await users.register(registration(email="ada@example.com"))

        with pytest.raises(Conflict):
            await users.register(registration(email="ADA@Example.com", display_name="Other"))

        assert len(database.tables.users) == 1
        assert database.commits == 1

    async def test_different_emails_register_different_users(
        self, users: UserCommandService, database: FakeDatabase
    ) -> None:
        first = await users.register(registration(email="ada@example.com"))
        second = await users.register(registration(email="bob@example.com"))

        assert first.id != second.id
        assert set(database.tables.users) == {first.id, second.id}


class TestRegistrationThrottle:
    async def test_an_address_that_registered_its_limit_is_refused_before_any_hash(
        self, users: UserCommandService, hasher: FakePasswordHasher
    ) -> None:
        for n in range(3):
            await users.register(_registration(f"u{n}@example.com"), address="203.0.113.9")
        hashed = hasher.hashed

        with pytest.raises(TooManyAttempts) as refused:
            await users.register(_registration("u9@example.com"), address="203.0.113.9")
        other = await users.register(_registration("u8@example.com"), address="198.51.100.1")

        assert refused.value.retry_after == 60
        assert hasher.hashed == hashed + 1  # only the other address's registration
        assert other.email == "u8@example.com"

    async def test_registrations_racing_from_one_address_stay_within_the_limit(
        self, users: UserCommandService
    ) -> None:
        attempts = [
            users.register(_registration(f"r{n}@example.com"), address="203.0.113.9")
            for n in range(10)
        ]

        results = await asyncio.gather(*attempts, return_exceptions=True)

        assert sum(not isinstance(result, BaseException) for result in results) == 3
        assert all(isinstance(r, TooManyAttempts) for r in results if isinstance(r, BaseException))


def _registration(email: str) -> RegisterUser:
    return RegisterUser(email=email, password="correct horse", display_name="U")
