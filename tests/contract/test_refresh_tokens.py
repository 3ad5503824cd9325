"""RefreshTokenRepository contract: one use per token, replays told apart, families revoked."""

from __future__ import annotations

from datetime import timedelta

from app.application.ports.repositories import RefreshUse
from tests.contract.builders import T0, a_user, saved
from tests.contract.conftest import Storage

DAY = timedelta(days=1)


async def _stored(storage: Storage, *tokens: tuple[str, str]) -> str:
    """A user with these (token id, family) pairs, valid for a day; the user's id."""
    user = a_user()
    await saved(storage.write_uow(), user)
    async with storage.write_uow() as uow:
        for token_id, family_id in tokens:
            await uow.refresh_tokens.add(
                token_id, user_id=user.id, family_id=family_id, expires_at=T0 + DAY
            )
        await uow.commit()
    return user.id


class TestRefreshTokenRepository:
    async def test_a_token_is_fresh_once_then_a_replay(self, storage: Storage) -> None:
        user_id = await _stored(storage, ("t1", "f1"))

        async with storage.write_uow() as uow:
            first = await uow.refresh_tokens.use("t1", now=T0)
            await uow.commit()
        async with storage.write_uow() as uow:
            again = await uow.refresh_tokens.use("t1", now=T0)

        assert first == RefreshUse(user_id=user_id, family_id="f1", first=True)
        assert again == RefreshUse(user_id=user_id, family_id="f1", first=False)

    async def test_an_expired_token_is_refused(self, storage: Storage) -> None:
        await _stored(storage, ("t1", "f1"))
        async with storage.write_uow() as uow:
            assert await uow.refresh_tokens.use("t1", now=T0 + DAY) is None

    async def test_an_unknown_token_is_refused(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            assert await uow.refresh_tokens.use("unknown", now=T0) is None

    async def test_a_revoked_family_refuses_its_unused_tokens_only(self, storage: Storage) -> None:
        user_id = await _stored(storage, ("t1", "f1"), ("t2", "f1"), ("t3", "f2"))
        async with storage.write_uow() as uow:
            await uow.refresh_tokens.use("t1", now=T0)
            await uow.refresh_tokens.revoke_family("f1", now=T0)
            await uow.commit()

        async with storage.write_uow() as uow:
            replayed = await uow.refresh_tokens.use("t1", now=T0)
            revoked = await uow.refresh_tokens.use("t2", now=T0)
            other_family = await uow.refresh_tokens.use("t3", now=T0)

        assert replayed == RefreshUse(user_id=user_id, family_id="f1", first=False)
        assert revoked is None
        assert other_family == RefreshUse(user_id=user_id, family_id="f2", first=True)

    async def test_a_rolled_back_use_leaves_the_token_fresh(self, storage: Storage) -> None:
        await _stored(storage, ("t1", "f1"))
        for _ in range(2):
            async with storage.write_uow() as uow:
                use = await uow.refresh_tokens.use("t1", now=T0)
                assert use is not None
                assert use.first
