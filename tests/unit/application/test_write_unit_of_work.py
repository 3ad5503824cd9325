"""The commit every write unit of work shares: events, stale tags, effects."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pytest

from app.application.caching import TAG_COUNTER_TTL_SECONDS, CacheKeys, ResultCache
from app.application.consistency import (
    ReadYourWrites,
    act_as,
    reads_from_primary,
    start_request,
)
from app.application.write_unit_of_work import CommitEffects, WriteUnitOfWorkBase
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


class FailingEffects(CommitEffects):
    def __init__(self) -> None:
        super().__init__(results=None, read_your_writes=None)

    async def after_commit(self, stale: Iterable[str], event_ids: Sequence[str] = ()) -> None:
        raise ConnectionError("the cache is unreachable")


class RecordingCache:
    """A cache that keeps what it is told and records every write."""

    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}
        self.sets: list[str] = []
        self.increments: list[dict[str, float]] = []

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self.values.get(key) for key in keys]

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        self.sets.append(key)
        self.values[key] = value

    async def increment_many(self, counters: Mapping[str, float]) -> None:
        self.increments.append(dict(counters))
        for key in counters:
            self.values[key] = str(int(self.values.get(key, b"0")) + 1).encode()


class RecordingRelay:
    def __init__(self) -> None:
        self.kicks: list[list[str]] = []

    def kick(self, event_ids: Sequence[str]) -> None:
        self.kicks.append(list(event_ids))


class RecordingOutbox:
    def __init__(self) -> None:
        self.added: list[DomainEvent] = []

    async def add(self, events: Sequence[DomainEvent]) -> None:
        self.added.extend(events)


class StorageOnlyUnitOfWork(WriteUnitOfWorkBase):
    """A unit of work that provides storage and nothing else (it is never entered)."""

    def __init__(self, *, effects: CommitEffects) -> None:
        super().__init__(effects=effects)
        self.recorded_outbox = RecordingOutbox()
        self.transactions: list[str] = []

    @property
    def outbox(self) -> RecordingOutbox:  # type: ignore[override]
        return self.recorded_outbox

    async def _commit_transaction(self) -> None:
        self.transactions.append("commit")

    async def _rollback_transaction(self) -> None:
        self.transactions.append("rollback")


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

    async def test_a_second_commit_reports_only_what_was_touched_since_the_first(self) -> None:
        effects = RecordedEffects()
        async with FakeWriteUnitOfWork(FakeDatabase(), effects=effects) as uow:
            uow.touch("user_stats:ada")
            await uow.commit()
            uow.touch("user_stats:bob")
            await uow.commit()

        assert effects.stale == [{"user_stats:ada"}, {"user_stats:bob"}]

    async def test_a_unit_of_work_that_provides_only_storage_commits_what_it_saw_and_touched(
        self,
    ) -> None:
        effects = RecordedEffects()
        uow = StorageOnlyUnitOfWork(effects=effects)
        aggregate = _edited()
        (event,) = aggregate._pending_events

        uow.saw(aggregate)
        uow.touch("user_stats:ada")
        await uow.commit()

        assert uow.recorded_outbox.added == [event]
        assert uow.transactions == ["commit"]
        assert effects.event_ids == [[event.event_id]]
        assert "user_stats:ada" in effects.stale[0]

    async def test_a_failure_after_the_commit_is_logged_and_the_commit_stands(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        database = FakeDatabase()
        aggregate = _edited()
        (event,) = aggregate._pending_events
        async with FakeWriteUnitOfWork(database, effects=FailingEffects()) as uow:
            uow.saw(aggregate)
            with caplog.at_level(logging.WARNING, logger="app.application.write_unit_of_work"):
                await uow.commit()

        assert database.commits == 1
        assert list(database.tables.outbox) == [event.event_id]
        (record,) = caplog.records
        assert record.levelno == logging.WARNING
        assert "post-commit" in record.getMessage()
        assert record.exc_info is not None
        assert isinstance(record.exc_info[1], ConnectionError)

    def test_a_write_unit_of_work_cannot_be_built_without_effects(self) -> None:
        with pytest.raises(TypeError, match="effects"):
            FakeWriteUnitOfWork(FakeDatabase())  # type: ignore[call-arg]

    @pytest.mark.parametrize("sealed", ["commit", "rollback"])
    def test_a_unit_of_work_that_redefines_commit_or_rollback_is_refused(self, sealed: str) -> None:
        async def own_version(self: FakeWriteUnitOfWork) -> None:
            return None

        with pytest.raises(TypeError, match=f"overrides {sealed}"):
            type("ShortcutUnitOfWork", (FakeWriteUnitOfWork,), {sealed: own_version})

    def test_the_refusal_names_the_class_every_method_it_redefines_and_what_to_implement(
        self,
    ) -> None:
        with pytest.raises(
            TypeError,
            match=r"ShortcutUnitOfWork overrides commit, rollback: a unit of work implements "
            r"_commit_transaction and _rollback_transaction instead",
        ):

            class ShortcutUnitOfWork(FakeWriteUnitOfWork):
                async def rollback(self) -> None:
                    return None

                async def commit(self) -> None:
                    return None

    def test_a_unit_of_work_that_provides_only_storage_is_accepted(self) -> None:
        class TracedUnitOfWork(FakeWriteUnitOfWork):
            async def _commit_transaction(self) -> None:
                await super()._commit_transaction()

        uow = TracedUnitOfWork(FakeDatabase(), effects=RecordedEffects())

        assert type(uow).commit is WriteUnitOfWorkBase.commit

    def test_a_subclass_of_an_accepted_unit_of_work_is_held_to_the_same_rule(self) -> None:
        class TracedUnitOfWork(FakeWriteUnitOfWork):
            pass

        with pytest.raises(TypeError, match="ShortcutUnitOfWork overrides commit:"):

            class ShortcutUnitOfWork(TracedUnitOfWork):
                async def commit(self) -> None:
                    return None


class TestCommitEffects:
    @pytest.fixture
    def cache(self) -> RecordingCache:
        return RecordingCache()

    @pytest.fixture
    def results(self, cache: RecordingCache) -> ResultCache:
        return ResultCache(cache, CacheKeys("test"))

    @pytest.fixture
    def marks(self, cache: RecordingCache) -> ReadYourWrites:
        return ReadYourWrites(cache, prefix="test", window_seconds=5)

    async def test_the_relay_is_kicked_with_the_ids_of_the_committed_events(self) -> None:
        relay = RecordingRelay()
        effects = CommitEffects(results=None, read_your_writes=None, relay=relay)

        await effects.after_commit([], ["e1", "e2"])

        assert relay.kicks == [["e1", "e2"]]

    async def test_the_relay_is_not_kicked_when_the_commit_wrote_no_events(self) -> None:
        relay = RecordingRelay()
        effects = CommitEffects(results=None, read_your_writes=None, relay=relay)

        await effects.after_commit(["posts"], [])

        assert relay.kicks == []

    async def test_each_stale_tags_counter_is_bumped_once_for_the_counter_lifetime(
        self, cache: RecordingCache, results: ResultCache
    ) -> None:
        effects = CommitEffects(results=results, read_your_writes=None)

        await effects.after_commit(["posts", "post:p1", "posts"])

        assert [list(counters.items()) for counters in cache.increments] == [
            [
                (results.keys.tag("post:p1"), TAG_COUNTER_TTL_SECONDS),
                (results.keys.tag("posts"), TAG_COUNTER_TTL_SECONDS),
            ]
        ]

    async def test_no_counter_is_bumped_when_nothing_is_stale(
        self, cache: RecordingCache, results: ResultCache
    ) -> None:
        effects = CommitEffects(results=results, read_your_writes=None)

        await effects.after_commit([], ["e1"])

        assert cache.increments == []

    async def test_the_acting_user_is_sent_to_read_their_own_writes(
        self, marks: ReadYourWrites
    ) -> None:
        effects = CommitEffects(results=None, read_your_writes=marks)
        try:
            act_as("ada")
            await effects.after_commit(["posts"])

            start_request()
            await marks.begin_read("ada")
            assert reads_from_primary()
        finally:
            start_request()

    async def test_nobody_is_marked_when_no_user_is_acting(
        self, cache: RecordingCache, marks: ReadYourWrites
    ) -> None:
        effects = CommitEffects(results=None, read_your_writes=marks)
        start_request()

        await effects.after_commit(["posts"])

        assert cache.increments == []
        assert cache.sets == []

    async def test_tags_and_the_marker_take_one_call_when_they_share_a_cache(
        self, cache: RecordingCache, results: ResultCache, marks: ReadYourWrites
    ) -> None:
        effects = CommitEffects(results=results, read_your_writes=marks)
        try:
            act_as("ada")
            await effects.after_commit(["posts"])
        finally:
            start_request()

        assert cache.increments == [
            {results.keys.tag("posts"): TAG_COUNTER_TTL_SECONDS, "test:ryw:ada": 5}
        ]

    async def test_the_marker_alone_when_nothing_is_stale(
        self, cache: RecordingCache, results: ResultCache, marks: ReadYourWrites
    ) -> None:
        effects = CommitEffects(results=results, read_your_writes=marks)
        try:
            act_as("ada")
            await effects.after_commit([])
        finally:
            start_request()

        assert cache.increments == [{"test:ryw:ada": 5}]

    async def test_a_marker_on_another_cache_is_written_there_after_the_tags(
        self, cache: RecordingCache, results: ResultCache
    ) -> None:
        elsewhere = RecordingCache()
        order: list[str] = []
        effects = CommitEffects(
            results=results,
            read_your_writes=ReadYourWrites(elsewhere, prefix="test", window_seconds=5),
        )
        original = cache.increment_many

        async def tags_first(counters: Mapping[str, float]) -> None:
            order.append("tags" if not elsewhere.increments else "marker first")
            await original(counters)

        cache.increment_many = tags_first  # type: ignore[method-assign]
        try:
            act_as("ada")
            await effects.after_commit(["posts"])
        finally:
            start_request()

        assert cache.increments == [{results.keys.tag("posts"): TAG_COUNTER_TTL_SECONDS}]
        assert elsewhere.increments == [{"test:ryw:ada": 5}]
        assert order == ["tags"]

    async def test_effects_with_nothing_to_tell_leave_a_commit_alone(self) -> None:
        effects = CommitEffects(results=None, read_your_writes=None)
        try:
            act_as("ada")
            await effects.after_commit(["posts"], ["e1"])
        finally:
            start_request()
