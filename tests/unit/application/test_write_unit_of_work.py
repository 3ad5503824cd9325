"""The commit every write unit of work shares: events, stale tags, effects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pytest

from app.application.write_unit_of_work import CommitEffects
from app.domain.events import DomainEvent, PostUpdated, RecordsEvents
from tests.fakes.clock import T0
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeWriteUnitOfWork


class RecordedEffects(CommitEffects):
    def __init__(self) -> None:
        super().__init__(results=None, read_your_writes=None)
        self.stale: list[set[str]] = []
        self.event_ids: list[list[str]] = []

    async def after_commit(self, stale: Iterable[str], event_ids: Sequence[str] = ()) -> None:
        self.stale.append(set(stale))
        self.event_ids.append(list(event_ids))


@dataclass(eq=False)
class Aggregate(RecordsEvents):
    _pending_events: list[DomainEvent]


def _edited(post_id: str = "p1") -> Aggregate:
    event = PostUpdated(
        occurred_at=T0,
        post_id=post_id,
        author_id="ada",
        version=2,
        tags=("new",),
        previous_tags=("old",),
    )
    return Aggregate([event])


class TestCommit:
    async def test_the_tags_a_commit_makes_stale_follow_from_its_events(self) -> None:
        effects = RecordedEffects()
        async with FakeWriteUnitOfWork(FakeDatabase(), effects=effects) as uow:
            uow.saw(_edited())
            uow.touch("user_stats:ada")
            await uow.commit()

        assert effects.stale == [
            {
                "post:p1",
                "posts",
                "posts:author:ada",
                "posts:tag:old",
                "posts:tag:new",
                "user_stats:ada",
            }
        ]

    async def test_the_events_go_to_the_outbox_and_their_ids_to_the_effects(self) -> None:
        effects, database = RecordedEffects(), FakeDatabase()
        aggregate = _edited()
        (event,) = aggregate._pending_events
        async with FakeWriteUnitOfWork(database, effects=effects) as uow:
            uow.saw(aggregate)
            await uow.commit()

        assert list(database.tables.outbox) == [event.event_id]
        assert database.tables.outbox[event.event_id].kind == "PostUpdated"
        assert effects.event_ids == [[event.event_id]]

    async def test_an_event_without_an_invalidation_rule_fails_before_anything_is_written(
        self,
    ) -> None:
        @dataclass(frozen=True, kw_only=True)
        class ArchivedForTest(DomainEvent):
            post_id: str

        effects, database = RecordedEffects(), FakeDatabase()
        try:
            async with FakeWriteUnitOfWork(database, effects=effects) as uow:
                uow.saw(Aggregate([ArchivedForTest(occurred_at=T0, post_id="p1")]))
                with pytest.raises(LookupError, match="ArchivedForTest"):
                    await uow.commit()
        finally:
            del DomainEvent.registry["ArchivedForTest"]

        assert (database.commits, database.tables.outbox, effects.stale) == (0, {}, [])

    async def test_a_rollback_forgets_touched_tags_and_events(self) -> None:
        effects = RecordedEffects()
        async with FakeWriteUnitOfWork(FakeDatabase(), effects=effects) as uow:
            uow.saw(_edited())
            uow.touch("user_stats:ada")
            await uow.rollback()
            await uow.commit()

        assert effects.stale == [set()]
        assert effects.event_ids == [[]]

    def test_a_write_unit_of_work_cannot_be_built_without_effects(self) -> None:
        with pytest.raises(TypeError, match="effects"):
            FakeWriteUnitOfWork(FakeDatabase())  # type: ignore[call-arg]

    @pytest.mark.parametrize("sealed", ["commit", "rollback"])
    def test_a_unit_of_work_that_redefines_commit_or_rollback_is_refused(self, sealed: str) -> None:
        async def own_version(self: FakeWriteUnitOfWork) -> None:
            return None

        with pytest.raises(TypeError, match=f"overrides {sealed}"):
            type("ShortcutUnitOfWork", (FakeWriteUnitOfWork,), {sealed: own_version})
