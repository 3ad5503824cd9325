"""Transaction semantics shared by every unit of work implementation."""

from __future__ import annotations

import pytest

from tests.contract.builders import a_user, saved
from tests.contract.conftest import Storage


class TestWriteUnitOfWork:
    async def test_committed_changes_are_visible_to_readers(self, storage: Storage) -> None:
        user = a_user()
        await saved(storage.write_uow(), user)

        async with storage.read_uow() as reader:
            view = await reader.users.get(user.id)
        assert view is not None
        assert view.email == user.email

    async def test_leaving_without_commit_discards_changes(self, storage: Storage) -> None:
        user = a_user()
        async with storage.write_uow() as uow:
            await uow.users.add(user)

        async with storage.read_uow() as reader:
            assert await reader.users.get(user.id) is None

    async def test_an_exception_discards_changes(self, storage: Storage) -> None:
        user = a_user()
        with pytest.raises(LookupError):
            async with storage.write_uow() as uow:
                await uow.users.add(user)
                raise LookupError

        async with storage.read_uow() as reader:
            assert await reader.users.get(user.id) is None

    async def test_rollback_discards_changes_after_the_last_commit(self, storage: Storage) -> None:
        kept, dropped = a_user("kept@example.com"), a_user("dropped@example.com")
        async with storage.write_uow() as uow:
            await uow.users.add(kept)
            await uow.commit()
            await uow.users.add(dropped)
            await uow.rollback()

        async with storage.read_uow() as reader:
            assert await reader.users.get(kept.id) is not None
            assert await reader.users.get(dropped.id) is None

    async def test_own_uncommitted_changes_are_visible_inside(self, storage: Storage) -> None:
        user = a_user()
        async with storage.write_uow() as uow:
            await uow.users.add(user)
            found = await uow.users.get(user.id)
        assert found is not None
        assert found.id == user.id

    async def test_repositories_need_an_open_unit_of_work(self, storage: Storage) -> None:
        uow = storage.write_uow()
        with pytest.raises(RuntimeError):
            await uow.users.get("any")


class TestReadUnitOfWork:
    async def test_readers_need_an_open_unit_of_work(self, storage: Storage) -> None:
        uow = storage.read_uow()
        with pytest.raises(RuntimeError):
            await uow.users.get("any")
