"""IdempotencyKeys contract: one key per user, restarted only by whoever saw it last."""

from __future__ import annotations

from datetime import timedelta

from app.application.ports.repositories import IdempotencyRecord
from tests.contract.builders import T0
from tests.contract.conftest import Storage


def a_key(
    key: str = "k1", *, user: str = "u1", digest: str = "h1", minutes: int = 0
) -> IdempotencyRecord:
    return IdempotencyRecord(
        user_id=user, key=key, request_hash=digest, started_at=T0 + timedelta(minutes=minutes)
    )


class TestIdempotencyKeys:
    async def test_a_key_is_added_once_per_user(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            first = await uow.idempotency_keys.add(a_key())
            other_user = await uow.idempotency_keys.add(a_key(user="u2"))
            await uow.commit()
        async with storage.write_uow() as uow:
            again = await uow.idempotency_keys.add(a_key(digest="h2"))
            stored = await uow.idempotency_keys.get("u1", "k1")
            await uow.commit()

        assert (first, other_user, again) == (True, True, False)
        assert stored == a_key()

    async def test_a_completed_key_keeps_its_response(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            await uow.idempotency_keys.add(a_key())
            done = await uow.idempotency_keys.complete(
                "u1", "k1", started_at=T0, response='{"id": "p1"}'
            )
            await uow.commit()
        async with storage.write_uow() as uow:
            stored = await uow.idempotency_keys.get("u1", "k1")
            missing = await uow.idempotency_keys.get("u1", "nope")

        assert done is True
        assert stored is not None
        assert stored.response == '{"id": "p1"}'
        assert missing is None

    async def test_only_the_request_holding_the_key_completes_it(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            await uow.idempotency_keys.add(a_key())
            await uow.idempotency_keys.restart(a_key(minutes=1), expected_started_at=T0)
            done = await uow.idempotency_keys.complete("u1", "k1", started_at=T0, response="x")
            stored = await uow.idempotency_keys.get("u1", "k1")

        assert done is False
        assert stored == a_key(minutes=1)

    async def test_a_restart_takes_over_only_the_key_it_saw(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            await uow.idempotency_keys.add(a_key())
            await uow.commit()
        newer = a_key(digest="h2", minutes=5)
        async with storage.write_uow() as uow:
            taken = await uow.idempotency_keys.restart(newer, expected_started_at=T0)
            late = await uow.idempotency_keys.restart(
                a_key(digest="h3", minutes=6), expected_started_at=T0
            )
            await uow.commit()
        async with storage.write_uow() as uow:
            stored = await uow.idempotency_keys.get("u1", "k1")

        assert (taken, late) == (True, False)
        assert stored == newer

    async def test_removal_spares_a_key_restarted_meanwhile(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            await uow.idempotency_keys.add(a_key("a"))
            await uow.idempotency_keys.add(a_key("b", minutes=3))
            await uow.commit()
        async with storage.write_uow() as uow:
            await uow.idempotency_keys.remove("u1", "a", started_at=T0)
            await uow.idempotency_keys.remove("u1", "b", started_at=T0)
            await uow.commit()
        async with storage.write_uow() as uow:
            gone = await uow.idempotency_keys.get("u1", "a")
            kept = await uow.idempotency_keys.get("u1", "b")

        assert gone is None
        assert kept == a_key("b", minutes=3)

    async def test_a_rolled_back_key_is_not_kept(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            await uow.idempotency_keys.add(a_key())
        async with storage.write_uow() as uow:
            assert await uow.idempotency_keys.add(a_key()) is True
