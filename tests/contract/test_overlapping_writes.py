"""Write units of work that overlap in time: no update is lost, nothing is spent twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from app.domain.errors import Conflict
from tests.contract.builders import T0, a_post, a_user, saved
from tests.contract.conftest import Storage

HOLD_SECONDS = 0.05


class TestOverlappingWrites:
    async def test_readers_do_not_see_an_open_transaction(self, isolated_storage: Storage) -> None:
        user = a_user()
        async with isolated_storage.write_uow() as uow:
            await uow.users.add(user)
            async with isolated_storage.read_uow() as reader:
                during = await reader.users.get(user.id)
            await uow.commit()
        async with isolated_storage.read_uow() as reader:
            after = await reader.users.get(user.id)

        assert during is None
        assert after is not None

    async def test_a_refresh_token_is_spent_once(self, isolated_storage: Storage) -> None:
        user = a_user()
        await saved(isolated_storage.write_uow(), user)
        async with isolated_storage.write_uow() as uow:
            await uow.refresh_tokens.add(
                "t1", user_id=user.id, family_id="f1", expires_at=T0 + timedelta(days=1)
            )
            await uow.commit()

        async def spend() -> bool | None:
            async with isolated_storage.write_uow() as uow:
                use = await uow.refresh_tokens.use("t1", now=T0)
                await asyncio.sleep(HOLD_SECONDS)
                await uow.commit()
                return None if use is None else use.first

        firsts = await asyncio.gather(spend(), spend())

        assert sorted(firsts, key=str) == [False, True]  # the second sees a replay

    async def test_overlapping_edits_of_a_post_both_land(self, isolated_storage: Storage) -> None:
        author = a_user()
        post = a_post(author)
        await saved(isolated_storage.write_uow(), author, post)

        async def retitle(suffix: str) -> int:
            async with isolated_storage.write_uow() as uow:
                loaded = await uow.posts.get(post.id)
                assert loaded is not None
                await asyncio.sleep(HOLD_SECONDS)
                previous = loaded.version
                loaded.edit(now=T0, title=loaded.title + suffix)
                await uow.posts.update(loaded, previous_version=previous)
                await uow.commit()
                return loaded.version

        versions = await asyncio.gather(retitle("+x"), retitle("+y"))

        async with isolated_storage.read_uow() as reader:
            stored = await reader.posts.get(post.id)
        assert sorted(versions) == [2, 3]
        assert stored is not None
        assert stored.version == 3
        assert sorted(stored.title.removeprefix("A title")) == sorted("+x+y")

    async def test_one_email_added_twice_at_once_is_one_conflict(
        self, isolated_storage: Storage
    ) -> None:
        async def register(email: str) -> str:
            try:
                async with isolated_storage.write_uow() as uow:
                    await uow.users.add(a_user(email))
                    await asyncio.sleep(HOLD_SECONDS)
                    await uow.commit()
            except Conflict:
                return "conflict"
            return "created"

        outcomes = await asyncio.gather(register("ada@example.com"), register("ADA@example.com"))

        assert sorted(outcomes) == ["conflict", "created"]
