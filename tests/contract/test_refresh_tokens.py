"""RefreshTokenRepository contract: a token is good for one use before it expires."""

from __future__ import annotations

from datetime import timedelta

from tests.contract.builders import T0, a_user, saved
from tests.contract.conftest import Storage


class TestRefreshTokenRepository:
    async def test_a_token_can_be_used_once(self, storage: Storage) -> None:
        user = a_user()
        await saved(storage.write_uow(), user)
        async with storage.write_uow() as uow:
            await uow.refresh_tokens.add("t1", user_id=user.id, expires_at=T0 + timedelta(days=1))
            await uow.commit()

        async with storage.write_uow() as uow:
            first = await uow.refresh_tokens.use("t1", now=T0)
            await uow.commit()
        async with storage.write_uow() as uow:
            second = await uow.refresh_tokens.use("t1", now=T0)

        assert (first, second) == (user.id, None)

    async def test_an_expired_token_is_refused(self, storage: Storage) -> None:
        user = a_user()
        await saved(storage.write_uow(), user)
        async with storage.write_uow() as uow:
            await uow.refresh_tokens.add("t1", user_id=user.id, expires_at=T0)
            assert await uow.refresh_tokens.use("t1", now=T0 + timedelta(seconds=1)) is None

    async def test_an_unknown_token_is_refused(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            assert await uow.refresh_tokens.use("unknown", now=T0) is None

    async def test_a_rolled_back_use_leaves_the_token_usable(self, storage: Storage) -> None:
        user = a_user()
        await saved(storage.write_uow(), user)
        async with storage.write_uow() as uow:
            await uow.refresh_tokens.add("t1", user_id=user.id, expires_at=T0 + timedelta(days=1))
            await uow.commit()
        async with storage.write_uow() as uow:
            assert await uow.refresh_tokens.use("t1", now=T0) == user.id
        async with storage.write_uow() as uow:
            assert await uow.refresh_tokens.use("t1", now=T0) == user.id
