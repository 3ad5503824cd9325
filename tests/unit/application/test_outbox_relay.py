"""The relay on fake storage: commits ring the bell, the relay hands events over in a
context of its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from app.application.consistency import act_as, current_actor, start_request
from app.application.consumers.dispatcher import EventDispatcher
from app.application.outbox_relay import OutboxBell, OutboxRelay
from app.application.write_unit_of_work import CommitEffects
from app.domain.events import DomainEvent, UserRegistered
from app.infra.messaging.in_process import InProcessPublisher
from tests.fakes.clock import T0, FakeClock
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeWriteUnitOfWork


class Registration:
    """An aggregate that recorded one event."""

    def __init__(self) -> None:
        self.event = UserRegistered(occurred_at=T0, user_id="u", email="u@x.io", display_name="U")

    def pull_events(self) -> list[DomainEvent]:
        return [self.event]


def _relay(
    database: FakeDatabase, consumer: Any, *, clock: FakeClock | None = None, attempts: int = 20
) -> OutboxRelay:
    dispatcher = EventDispatcher({UserRegistered: [consumer]}, known=[UserRegistered])
    return OutboxRelay(
        lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS),
        InProcessPublisher(lambda: dispatcher),
        sweep_after_seconds=5,
        clock=clock or FakeClock(),
        max_attempts=attempts,
    )


async def _commit_through_the_bell(database: FakeDatabase, bell: OutboxBell) -> UserRegistered:
    effects = CommitEffects(results=None, read_your_writes=None, relay=bell)
    registration = Registration()
    async with FakeWriteUnitOfWork(database, effects=effects) as uow:
        uow.saw(registration)  # type: ignore[arg-type]
        await uow.commit()
    return registration.event


class TestBell:
    async def test_a_commit_reaches_the_relay_through_the_bell(self) -> None:
        database, handled = FakeDatabase(), list[str]()

        async def consume(events: Sequence[DomainEvent]) -> None:
            handled.extend(event.event_id for event in events)

        relay = _relay(database, consume)
        event = await _commit_through_the_bell(database, OutboxBell(lambda: relay))
        await relay.drain()

        assert handled == [event.event_id]
        assert database.tables.outbox[event.event_id].sent_at is not None

    async def test_without_a_relay_the_event_waits_in_the_outbox(self) -> None:
        database = FakeDatabase()

        event = await _commit_through_the_bell(database, OutboxBell(lambda: None))

        assert database.tables.outbox[event.event_id].sent_at is None


class TestContext:
    async def test_consumers_run_as_nobody_whoever_committed(self) -> None:
        database, actors = FakeDatabase(), list[str | None]()

        async def consume(events: Sequence[DomainEvent]) -> None:
            actors.append(current_actor())

        relay = _relay(database, consume)
        start_request()
        act_as("ada")
        try:
            await _commit_through_the_bell(database, OutboxBell(lambda: relay))
            await relay.drain()
        finally:
            start_request()

        assert actors == [None]


class TestPoisonEvents:
    async def test_an_event_whose_consumer_always_fails_dies_and_is_swept_no_more(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        database, clock, calls = FakeDatabase(), FakeClock(), list[str]()

        async def always_failing(events: Sequence[DomainEvent]) -> None:
            calls.extend(event.event_id for event in events)
            raise ConnectionError("the mail server refuses this address")

        relay = _relay(database, always_failing, clock=clock, attempts=3)
        event = await _commit_through_the_bell(database, OutboxBell(lambda: None))
        clock.advance(10)
        swept = [await relay.sweep() for _ in range(5)]

        entry = database.tables.outbox[event.event_id]
        assert swept == [0] * 5
        assert calls == [event.event_id] * 3  # then it is dead, and left alone
        assert (entry.attempts, entry.dead_at, entry.sent_at) == (3, clock.now, None)
        assert await relay.backlog() == (0, 0.0, 1)
        dead_lines = [r for r in caplog.records if "is dead" in r.getMessage()]
        assert len(dead_lines) == 1

    async def test_a_put_back_event_dies_after_its_attempts(self) -> None:
        database = FakeDatabase()
        relay = _relay(database, lambda events: None, attempts=2)
        event = await _commit_through_the_bell(database, OutboxBell(lambda: None))

        await relay.put_back(event.event_id)
        await relay.put_back(event.event_id)

        assert database.tables.outbox[event.event_id].dead_at is not None
