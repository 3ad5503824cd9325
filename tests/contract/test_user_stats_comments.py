"""UserStatsRepository contract for comment counts: saved apart from the post stats."""

from __future__ import annotations

from tests.contract.builders import T0, a_user, saved
from tests.contract.conftest import Storage


class TestCommentCount:
    async def test_a_comment_count_is_read_back_and_replaced(self, storage: Storage) -> None:
        user = a_user()
        await saved(storage.write_uow(), user)
        for count in (1, 4, 0):
            async with storage.write_uow() as uow:
                await uow.user_stats.save_comment_count(user.id, comment_count=count)
                await uow.commit()
            async with storage.read_uow() as reader:
                view = await reader.user_stats.get(user.id)
            assert view is not None
            assert (view.post_count, view.last_post_at, view.comment_count) == (0, None, count)

    async def test_post_stats_and_the_comment_count_leave_each_other_as_they_are(
        self, storage: Storage
    ) -> None:
        user = a_user()
        await saved(storage.write_uow(), user)
        async with storage.write_uow() as uow:
            await uow.user_stats.save(user.id, post_count=2, last_post_at=T0)
            await uow.user_stats.save_comment_count(user.id, comment_count=5)
            await uow.user_stats.save(user.id, post_count=3, last_post_at=T0)
            await uow.user_stats.lock(user.id)
            await uow.commit()

        async with storage.read_uow() as reader:
            view = await reader.user_stats.get(user.id)

        assert view is not None
        assert (view.post_count, view.last_post_at, view.comment_count) == (3, T0, 5)

    async def test_locking_a_new_user_starts_the_comment_count_at_zero(
        self, storage: Storage
    ) -> None:
        user = a_user()
        await saved(storage.write_uow(), user)
        async with storage.write_uow() as uow:
            await uow.user_stats.lock(user.id)
            await uow.commit()

        async with storage.read_uow() as reader:
            view = await reader.user_stats.get(user.id)

        assert view is not None
        assert view.comment_count == 0
