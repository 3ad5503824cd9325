"""The outbox contract: what the relay reads and marks, on every implementation."""

from __future__ import annotations

import json
from datetime import timedelta

from app.application.ports.messaging import OutboxBacklog
from app.application.tracing import span
from app.domain.events import DomainEvent, UserRegistered
from tests.contract.builders import T0
from tests.contract.conftest import Storage
from tests.tracing import Spans
from tests.tracing import spans as spans  # the fixture


def _registered(n: int, *, minutes: int = 0) -> UserRegistered:
    return UserRegistered(
        occurred_at=T0 + timedelta(minutes=minutes),
        user_id=f"u{n}",
        email=f"u{n}@example.com",
        display_name=f"U{n}",
    )


async def _committed(storage: Storage, *events: DomainEvent) -> None:
    async with storage.write_uow() as uow:
        await uow.outbox.add(list(events))
        await uow.commit()


class TestOutbox:
    async def test_an_event_keeps_the_trace_context_it_was_added_in(
        self, storage: Storage, spans: Spans
    ) -> None:
        traced, untraced = _registered(1), _registered(2)
        with span("adding") as adding:
            await _committed(storage, traced)
        await _committed(storage, untraced)

        async with storage.write_uow() as uow:
            unsent = await uow.outbox.unsent([traced.event_id, untraced.event_id])
            due = await uow.outbox.due(before=T0 + timedelta(days=1), limit=10)

        context = adding.get_span_context()
        traceparent = f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
        assert [json.loads(event.trace_context or "{}") for event in unsent] == [
            {"traceparent": traceparent},
            {},
        ]
        assert [event.trace_context for event in due] == [event.trace_context for event in unsent]
        assert unsent == [traced, untraced]  # the context is beside the event, not in it

    async def test_events_come_back_as_they_went_in(self, storage: Storage) -> None:
        event = _registered(1)
        await _committed(storage, event)

        async with storage.write_uow() as uow:
            assert await uow.outbox.unsent([event.event_id]) == [event]

    async def test_events_of_a_rolled_back_transaction_are_not_there(
        self, storage: Storage
    ) -> None:
        event = _registered(1)
        async with storage.write_uow() as uow:
            await uow.outbox.add([event])

        async with storage.write_uow() as uow:
            assert await uow.outbox.unsent([event.event_id]) == []

    async def test_due_events_are_the_oldest_unsent_before_the_cutoff(
        self, storage: Storage
    ) -> None:
        late, early, middle = _registered(1, minutes=9), _registered(2), _registered(3, minutes=5)
        await _committed(storage, late, early, middle)

        async with storage.write_uow() as uow:
            due = await uow.outbox.due(before=T0 + timedelta(minutes=8), limit=1)
            both = await uow.outbox.due(before=T0 + timedelta(minutes=8), limit=10)

        assert due == [early]
        assert both == [early, middle]

    async def test_sent_events_are_neither_unsent_nor_due_until_put_back(
        self, storage: Storage
    ) -> None:
        first, second = _registered(1), _registered(2, minutes=1)
        await _committed(storage, first, second)
        async with storage.write_uow() as uow:
            await uow.outbox.mark_sent([first.event_id], at=T0 + timedelta(hours=1))
            await uow.commit()

        async with storage.write_uow() as uow:
            unsent = await uow.outbox.unsent([first.event_id, second.event_id])
            due = await uow.outbox.due(before=T0 + timedelta(days=1), limit=10)
            backlog = await uow.outbox.backlog()
            died = await uow.outbox.returned(first.event_id, at=T0, max_attempts=5)
            await uow.commit()
        async with storage.write_uow() as uow:
            again = await uow.outbox.unsent([first.event_id])

        assert (unsent, due) == ([second], [second])
        assert backlog == OutboxBacklog(unsent=1, oldest_unsent=second.occurred_at, dead=0)
        assert (died, again) == (False, [first])

    async def test_an_empty_outbox_has_no_backlog(self, storage: Storage) -> None:
        async with storage.write_uow() as uow:
            assert await uow.outbox.backlog() == OutboxBacklog(unsent=0, oldest_unsent=None, dead=0)


class TestPoisonEvents:
    async def test_an_event_dies_at_its_last_failed_delivery_and_is_no_longer_due(
        self, storage: Storage
    ) -> None:
        poison, fine = _registered(1), _registered(2)
        await _committed(storage, poison, fine)
        died: list[list[str]] = []
        for _ in range(3):
            async with storage.write_uow() as uow:
                died.append(await uow.outbox.failed([poison.event_id], at=T0, max_attempts=3))
                await uow.commit()

        async with storage.write_uow() as uow:
            due = await uow.outbox.due(before=T0 + timedelta(days=1), limit=10)
            backlog = await uow.outbox.backlog()
            (dead,) = await uow.outbox.dead(limit=10)

        assert died == [[], [], [poison.event_id]]
        assert due == [fine]
        assert backlog == OutboxBacklog(unsent=1, oldest_unsent=fine.occurred_at, dead=1)
        assert (dead.id, dead.type, dead.attempts, dead.dead_at) == (
            poison.event_id,
            "UserRegistered",
            3,
            T0,
        )

    async def test_an_event_put_back_too_often_dies(self, storage: Storage) -> None:
        event = _registered(1)
        await _committed(storage, event)

        async with storage.write_uow() as uow:
            first = await uow.outbox.returned(event.event_id, at=T0, max_attempts=2)
            second = await uow.outbox.returned(event.event_id, at=T0, max_attempts=2)
            unsent = await uow.outbox.unsent([event.event_id])
            await uow.commit()

        assert (first, second, unsent) == (False, True, [])

    async def test_a_revived_event_is_delivered_again_with_its_attempts_forgotten(
        self, storage: Storage
    ) -> None:
        event = _registered(1)
        await _committed(storage, event)
        async with storage.write_uow() as uow:
            await uow.outbox.failed([event.event_id], at=T0, max_attempts=1)
            await uow.commit()

        async with storage.write_uow() as uow:
            revived = await uow.outbox.revive([event.event_id, "not-dead"])
            await uow.commit()
        async with storage.write_uow() as uow:
            again = await uow.outbox.unsent([event.event_id])
            died = await uow.outbox.failed([event.event_id], at=T0, max_attempts=2)

        assert (revived, again, died) == (1, [event], [])
