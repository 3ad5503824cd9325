"""UserRepository and UserReader contracts."""

from __future__ import annotations

import pytest

from app.domain.errors import Conflict
from tests.contract.builders import a_user, saved
from tests.contract.conftest import Storage


class TestUserRepository:
    async def test_a_stored_user_comes_back_whole(self, storage: Storage) -> None:
        user = a_user("Ada.Lovelace@Example.com")
        await saved(storage.write_uow(), user)

        async with storage.write_uow() as uow:
            found = await uow.users.get(user.id)
        assert found == user

    async def test_email_lookup_ignores_case(self, storage: Storage) -> None:
        user = a_user("Ada@Example.com")
        await saved(storage.write_uow(), user)

        async with storage.write_uow() as uow:
            found = await uow.users.get_by_email("ADA@example.COM")
        assert found is not None
        assert found.email == "Ada@Example.com"

    async def test_an_email_taken_in_another_case_is_a_conflict(self, storage: Storage) -> None:
        await saved(storage.write_uow(), a_user("ada@example.com"))

        with pytest.raises(Conflict):
            async with storage.write_uow() as uow:
                await uow.users.add(a_user("ADA@EXAMPLE.COM"))

    async def test_accents_make_a_different_email(self, storage: Storage) -> None:
        plain, accented = a_user("ecole@example.com"), a_user("école@example.com")
        await saved(storage.write_uow(), plain)
        await saved(storage.write_uow(), accented)

        async with storage.write_uow() as uow:
            found = await uow.users.get_by_email("ÉCOLE@example.com")
        assert found is not None
        assert found.id == accented.id

    @pytest.mark.parametrize(
        ("registered", "again"),
        [
            ("ren\u00e9@example.com", "rene\u0301@example.com"),
            ("ada@b\u00fccher.example", "ada@xn--bcher-kva.example"),
            ("ada@example.com", "\uff41\uff44\uff41@example.com"),
        ],
        ids=["nfc-then-nfd", "idna", "full-width"],
    )
    async def test_another_form_of_a_registered_mailbox_is_a_conflict_and_finds_it(
        self, storage: Storage, registered: str, again: str
    ) -> None:
        user = a_user(registered)
        await saved(storage.write_uow(), user)

        with pytest.raises(Conflict):
            async with storage.write_uow() as uow:
                await uow.users.add(a_user(again))
        async with storage.write_uow() as uow:
            found = await uow.users.get_by_email(again)
        assert found is not None
        assert found.id == user.id

    async def test_unknown_users_are_none(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            assert await uow.users.get("nobody") is None
            assert await uow.users.get_by_email("nobody@example.com") is None


class TestUserReader:
    async def test_the_view_has_the_account_fields(self, storage: Storage) -> None:
        user = a_user()
        await saved(storage.write_uow(), user)

        async with storage.read_uow() as reader:
            view = await reader.users.get(user.id)
        assert view is not None
        assert (view.id, view.email, view.display_name, view.created_at) == (
            user.id,
            user.email,
            user.display_name,
            user.created_at,
        )
        assert view.created_at.utcoffset() is not None
