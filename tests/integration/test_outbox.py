"""The SQL outbox: events committed with their change, relayed once, swept when left."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.application.caching import CommitEffects
from app.domain.events import DomainEvent, PostCreated, UserRegistered
from app.infra.db.tables import outbox
from app.infra.db.units_of_work import SqlWriteUnitOfWork
from app.infra.messaging.relay import OutboxRelay
from tests.contract.builders import T0, a_post, a_user
from tests.databases import ScratchDatabase


class Recorder:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def publish(self, event: DomainEvent) -> None:
        self.events.append(event)


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now


async def _rows(database: ScratchDatabase) -> list[tuple[str, str, datetime | None]]:
    async with database.engine.connect() as connection:
        query = select(outbox.c.id, outbox.c.type, outbox.c.sent_at).order_by(outbox.c.id)
        return [tuple(row) for row in (await connection.execute(query)).all()]


class TestOutbox:
    async def test_events_are_committed_with_their_change_and_relayed_once(
        self, fresh_database: ScratchDatabase
    ) -> None:
        recorder, clock = Recorder(), Clock()
        relay = OutboxRelay(fresh_database.engine, recorder, sweep_after_seconds=5, clock=clock)
        sessions = async_sessionmaker(bind=fresh_database.engine, expire_on_commit=False)
        effects = CommitEffects(None, None, relay)
        author = a_user()
        post = a_post(author)

        async with SqlWriteUnitOfWork(sessions, effects) as uow:
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

        async with SqlWriteUnitOfWork(sessions) as uow:
            await uow.users.add(a_user())

        assert await _rows(fresh_database) == []

    async def test_the_sweep_sends_what_was_left_unsent_after_the_delay(
        self, fresh_database: ScratchDatabase
    ) -> None:
        recorder, clock = Recorder(), Clock()
        relay = OutboxRelay(fresh_database.engine, recorder, sweep_after_seconds=5, clock=clock)
        sessions = async_sessionmaker(bind=fresh_database.engine, expire_on_commit=False)
        # Committed, but the process "died" before the relay was kicked: no effects.
        async with SqlWriteUnitOfWork(sessions) as uow:
            await uow.users.add(a_user(at=clock.now))
            await uow.commit()

        too_early = await relay.sweep()
        clock.now += timedelta(seconds=6)
        swept = await relay.sweep()
        again = await relay.sweep()

        assert (too_early, swept, again) == (0, 1, 0)
        assert [type(event).__name__ for event in recorder.events] == ["UserRegistered"]
        assert [sent_at for _, _, sent_at in await _rows(fresh_database)] == [clock.now]
