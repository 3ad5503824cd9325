"""The SQL outbox: events committed with their change, relayed once, swept when left."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.application.outbox_relay import OutboxRelay
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.application.write_unit_of_work import CommitEffects
from app.domain.events import DomainEvent, PostCreated, UserRegistered
from app.infra.db.tables import outbox
from app.infra.db.units_of_work import SqlWriteUnitOfWork
from tests.contract.builders import T0, a_post, a_user
from tests.databases import ScratchDatabase
from tests.fakes.units_of_work import NO_EFFECTS


class Recorder:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def publish(self, events: Sequence[DomainEvent]) -> list[str]:
        self.events.extend(events)
        return [event.event_id for event in events]


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now


def _units(database: ScratchDatabase) -> WriteUnitOfWorkFactory:
    """The relay's own write units of work (they commit only `sent_at`)."""
    sessions = async_sessionmaker(bind=database.engine, expire_on_commit=False)
    return lambda: SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS)


async def _rows(database: ScratchDatabase) -> list[tuple[str, str, datetime | None]]:
    async with database.engine.connect() as connection:
        query = select(outbox.c.id, outbox.c.type, outbox.c.sent_at).order_by(outbox.c.id)
        return [tuple(row) for row in (await connection.execute(query)).all()]


class TestOutbox:
    async def test_events_are_committed_with_their_change_and_relayed_once(
        self, fresh_database: ScratchDatabase
    ) -> None:
        recorder, clock = Recorder(), Clock()
        relay = OutboxRelay(
            _units(fresh_database), recorder, sweep_after_seconds=5, clock=clock, max_attempts=20
        )
        sessions = async_sessionmaker(bind=fresh_database.engine, expire_on_commit=False)
        effects = CommitEffects(None, None, relay)
        author = a_user()
        post = a_post(author)

        async with SqlWriteUnitOfWork(sessions, effects=effects) as uow:
            await uow.users.add(author)
            await uow.posts.add(post)
            await uow.commit()
        await relay.drain()
        swept = await relay.sweep()

        rows = await _rows(fresh_database)
        assert sorted(kind for _, kind, _ in rows) == ["PostCreated", "UserRegistered"]
        assert all(sent_at == clock.now for _, _, sent_at in rows)
        assert sorted(type(event).__name__ for event in recorder.events) == [
            "PostCreated",
            "UserRegistered",
        ]
        assert isinstance(recorder.events[0], UserRegistered | PostCreated)
        assert swept == 0

    async def test_a_rolled_back_change_leaves_no_event(
        self, fresh_database: ScratchDatabase
    ) -> None:
        sessions = async_sessionmaker(bind=fresh_database.engine, expire_on_commit=False)

        async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
            await uow.users.add(a_user())

        assert await _rows(fresh_database) == []

    async def test_the_sweep_sends_what_was_left_unsent_after_the_delay(
        self, fresh_database: ScratchDatabase
    ) -> None:
        recorder, clock = Recorder(), Clock()
        relay = OutboxRelay(
            _units(fresh_database), recorder, sweep_after_seconds=5, clock=clock, max_attempts=20
        )
        sessions = async_sessionmaker(bind=fresh_database.engine, expire_on_commit=False)
        # Committed, but the process "died" before the relay was kicked: no effects.
        async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
            await uow.users.add(a_user(at=clock.now))
            await uow.commit()

        too_early = await relay.sweep()
        clock.now += timedelta(seconds=6)
        swept = await relay.sweep()
        again = await relay.sweep()

        assert (too_early, swept, again) == (0, 1, 0)
        assert [type(event).__name__ for event in recorder.events] == ["UserRegistered"]
        assert [sent_at for _, _, sent_at in await _rows(fresh_database)] == [clock.now]


class Refusing(Recorder):
    """Publishes every event but those of one user, which always fail."""

    def __init__(self, refused_user: str) -> None:
        super().__init__()
        self.refused_user = refused_user

    async def publish(self, events: Sequence[DomainEvent]) -> list[str]:
        return await super().publish(
            [
                event
                for event in events
                if not (isinstance(event, UserRegistered) and event.user_id == self.refused_user)
            ]
        )


class TestFailures:
    async def test_a_failing_event_does_not_hold_back_the_others(
        self, fresh_database: ScratchDatabase
    ) -> None:
        clock = Clock()
        sessions = async_sessionmaker(bind=fresh_database.engine, expire_on_commit=False)
        poison, fine = a_user("poison@example.com", at=T0), a_user("fine@example.com", at=T0)
        for user in (poison, fine):
            async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
                await uow.users.add(user)
                await uow.commit()
        publisher = Refusing(poison.id)
        relay = OutboxRelay(
            _units(fresh_database), publisher, sweep_after_seconds=5, clock=clock, max_attempts=20
        )

        sent = await relay.sweep()

        unsent = [row for row in await _rows(fresh_database) if row[2] is None]
        assert sent == 1
        assert [event.user_id for event in publisher.events] == [fine.id]  # type: ignore[attr-defined]
        assert len(unsent) == 1

    async def test_an_event_put_back_is_swept_again(self, fresh_database: ScratchDatabase) -> None:
        recorder, clock = Recorder(), Clock()
        relay = OutboxRelay(
            _units(fresh_database), recorder, sweep_after_seconds=5, clock=clock, max_attempts=20
        )
        sessions = async_sessionmaker(bind=fresh_database.engine, expire_on_commit=False)
        async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
            await uow.users.add(a_user(at=T0))
            await uow.commit()
        assert await relay.sweep() == 1
        ((event_id, _, _),) = await _rows(fresh_database)

        await relay.put_back(event_id)
        again = await relay.sweep()

        assert again == 1
        assert [event.event_id for event in recorder.events] == [event_id, event_id]

    async def test_draining_gives_up_on_a_publisher_that_hangs(
        self, fresh_database: ScratchDatabase
    ) -> None:
        class Hanging(Recorder):
            async def publish(self, events: Sequence[DomainEvent]) -> list[str]:
                await asyncio.sleep(3600)
                return []

        relay = OutboxRelay(
            _units(fresh_database), Hanging(), sweep_after_seconds=5, clock=Clock(), max_attempts=20
        )
        sessions = async_sessionmaker(bind=fresh_database.engine, expire_on_commit=False)
        effects = CommitEffects(None, None, relay)
        async with SqlWriteUnitOfWork(sessions, effects=effects) as uow:
            await uow.users.add(a_user())
            await uow.commit()

        await asyncio.wait_for(relay.drain(timeout_seconds=0.2), timeout=5)

        assert [sent_at for _, _, sent_at in await _rows(fresh_database)] == [None]


class Gated(Recorder):
    """Holds its first publication until released, recording each batch it gets."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.release = asyncio.Event()

    async def publish(self, events: Sequence[DomainEvent]) -> list[str]:
        self.batches.append([event.event_id for event in events])
        await self.release.wait()
        return await super().publish(events)


class TestBatching:
    async def test_commits_made_while_the_relay_is_busy_go_out_in_one_batch(
        self, fresh_database: ScratchDatabase
    ) -> None:
        publisher, clock = Gated(), Clock()
        relay = OutboxRelay(
            _units(fresh_database), publisher, sweep_after_seconds=5, clock=clock, max_attempts=20
        )
        sessions = async_sessionmaker(bind=fresh_database.engine, expire_on_commit=False)
        effects = CommitEffects(None, None, relay)
        for n in range(4):
            async with SqlWriteUnitOfWork(sessions, effects=effects) as uow:
                await uow.users.add(a_user(f"user{n}@example.com"))
                await uow.commit()
            await asyncio.sleep(0.05)  # the first batch is out before the next commits

        publisher.release.set()
        await relay.drain()

        ids = sorted(event_id for event_id, _, _ in await _rows(fresh_database))
        assert [len(batch) for batch in publisher.batches] == [1, 3]
        assert sorted(event_id for batch in publisher.batches for event_id in batch) == ids
        assert [sent_at for _, _, sent_at in await _rows(fresh_database)] == [clock.now] * 4

    async def test_a_row_of_an_unknown_type_stays_unsent_without_holding_back_the_rest(
        self, fresh_database: ScratchDatabase
    ) -> None:
        recorder, clock = Recorder(), Clock()
        sessions = async_sessionmaker(bind=fresh_database.engine, expire_on_commit=False)
        async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
            await uow.users.add(a_user(at=T0))
            await uow.commit()
        async with fresh_database.engine.begin() as connection:
            await connection.execute(
                outbox.insert().values(
                    id="0000-unknown", type="Retired", payload="{}", occurred_at=T0
                )
            )
        relay = OutboxRelay(
            _units(fresh_database), recorder, sweep_after_seconds=5, clock=clock, max_attempts=20
        )

        assert await relay.sweep() == 1

        unsent = [event_id for event_id, _, sent_at in await _rows(fresh_database) if not sent_at]
        assert unsent == ["0000-unknown"]
        assert [type(event).__name__ for event in recorder.events] == ["UserRegistered"]
