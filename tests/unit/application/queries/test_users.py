"""UserQueryService: public profiles."""

from __future__ import annotations

import pytest

from app.application.queries.users import UserQueryService
from app.domain.errors import NotFound
from app.domain.users import User
from tests.fakes.clock import T0
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeReadUnitOfWork


@pytest.fixture
def queries(database: FakeDatabase) -> UserQueryService:
    return UserQueryService(read_uow=lambda: FakeReadUnitOfWork(database))


class TestGetUser:
    async def test_profile_has_no_password_hash(
        self, queries: UserQueryService, database: FakeDatabase
    ) -> None:
        user = User.register(email="a@example.com", display_name="Ada", password_hash="h", now=T0)
        database.tables.users[user.id] = user

        view = await queries.get_user(user.id)

        assert (view.id, view.email, view.display_name) == (user.id, "a@example.com", "Ada")
        assert not hasattr(view, "password_hash")

    async def test_missing_user_is_not_found(self, queries: UserQueryService) -> None:
        with pytest.raises(NotFound):
            await queries.get_user("missing")
