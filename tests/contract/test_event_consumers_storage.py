"""Contracts of what consumers write through: handled events, user stats, author stats."""

from __future__ import annotations

from datetime import timedelta

from tests.contract.builders import T0, a_post, a_user, saved
from tests.contract.conftest import Storage


class TestHandledEvents:
    async def test_an_event_is_claimed_once_per_consumer(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            first = await uow.handled_events.claim("stats", "e1")
            other_consumer = await uow.handled_events.claim("mail", "e1")
            await uow.commit()
        async with storage.write_uow() as uow:
            again = await uow.handled_events.claim("stats", "e1")

        assert (first, other_consumer, again) == (True, True, False)

    async def test_a_claim_is_seen_once_committed(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            before = await uow.handled_events.contains("mail", "e1")
            await uow.handled_events.claim("mail", "e1")
            await uow.commit()
        async with storage.write_uow() as uow:
            after = await uow.handled_events.contains("mail", "e1")
            other = await uow.handled_events.contains("stats", "e1")

        assert (before, after, other) == (False, True, False)

    async def test_a_rolled_back_claim_can_be_made_again(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            assert await uow.handled_events.claim("stats", "e1")
        async with storage.write_uow() as uow:
            assert await uow.handled_events.claim("stats", "e1")

    async def test_many_are_claimed_at_once_leaving_out_those_handled(
        self, storage: Storage
    ) -> None:
        async with storage.write_uow() as uow:
            await uow.handled_events.claim("stats", "e2")
            await uow.commit()
        async with storage.write_uow() as uow:
            claimed = await uow.handled_events.claim_many("stats", ["e3", "e2", "e1", "e3"])
            mail = await uow.handled_events.claim_many("mail", ["e2"])
            await uow.commit()
        async with storage.write_uow() as uow:
            again = await uow.handled_events.claim_many("stats", ["e1", "e4"])
            nothing = await uow.handled_events.claim_many("stats", [])
            recorded = await uow.handled_events.contains("stats", "e3")

        assert (claimed, mail, again, nothing, recorded) == (
            ["e3", "e1"],
            ["e2"],
            ["e4"],
            [],
            True,
        )

    async def test_rolled_back_claims_can_be_made_again(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            assert await uow.handled_events.claim_many("stats", ["e1", "e2"]) == ["e1", "e2"]
        async with storage.write_uow() as uow:
            assert await uow.handled_events.claim_many("stats", ["e2", "e1"]) == ["e2", "e1"]


class TestUserStats:
    async def test_saved_stats_are_read_back_and_replaced(self, storage: Storage) -> None:
        user = a_user()
        await saved(storage.write_uow(), user)
        for count, newest in ((1, T0), (3, T0 + timedelta(hours=1)), (0, None)):
            async with storage.write_uow() as uow:
                await uow.user_stats.save(user.id, post_count=count, last_post_at=newest)
                await uow.commit()
            async with storage.read_uow() as reader:
                view = await reader.user_stats.get(user.id)
            assert view is not None
            assert (view.post_count, view.last_post_at) == (count, newest)

    async def test_locking_a_new_user_starts_their_stats_at_zero(self, storage: Storage) -> None:
        user = a_user()
        await saved(storage.write_uow(), user)
        async with storage.write_uow() as uow:
            await uow.user_stats.lock(user.id)
            await uow.commit()
        async with storage.write_uow() as uow:
            await uow.user_stats.save(user.id, post_count=2, last_post_at=T0)
            await uow.user_stats.lock(user.id)
            await uow.commit()

        async with storage.read_uow() as reader:
            view = await reader.user_stats.get(user.id)
        assert view is not None
        assert (view.post_count, view.last_post_at) == (2, T0)

    async def test_no_stats_is_none(self, storage: Storage) -> None:
        async with storage.read_uow() as reader:
            assert await reader.user_stats.get("nobody") is None


class TestAuthorStats:
    async def test_current_posts_are_counted_with_the_newest_time(self, storage: Storage) -> None:
        ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
        posts = [a_post(ada, minutes=n) for n in (5, 30, 10)]
        await saved(storage.write_uow(), ada, *posts)
        await saved(storage.write_uow(), bob)

        async with storage.write_uow() as uow:
            ada_stats = await uow.posts.author_stats(ada.id)
            bob_stats = await uow.posts.author_stats(bob.id)

        assert ada_stats == (3, T0 + timedelta(minutes=30))
        assert bob_stats == (0, None)
