"""The spans the service writes by hand: the commit, a cache lookup, a consumer's call,
the outbox's batches, and what a failure leaves in them (its type, never its message)."""

from __future__ import annotations

import contextvars
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from opentelemetry import context, trace

from app.application.caching import CacheKeys, ResultCache, cached
from app.application.consumers.dispatcher import EventDispatcher, consumer_name
from app.application.tracing import span
from app.domain.events import DomainEvent, PostCreated, UserRegistered
from tests.fakes.clock import T0
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeWriteUnitOfWork
from tests.tracing import Spans, parent_id, span_id
from tests.tracing import spans as spans  # the fixture
from tests.unit.application.test_write_unit_of_work import (
    Aggregate,
    RecordedEffects,
    RecordingCache,
    _edited,
)


class TestSpan:
    def test_a_span_is_current_inside_and_a_child_of_the_span_around_it(self, spans: Spans) -> None:
        with span("outer", {"n": 1}) as outer, span("inner") as inner:
            assert trace.get_current_span() is inner
            assert inner is not outer

        found = {found.name: found for found in spans.finished()}
        assert parent_id(found["inner"]) == span_id(found["outer"])
        assert found["outer"].attributes == {"n": 1}
        assert found["outer"].status.status_code is trace.StatusCode.UNSET

    def test_a_failure_leaves_its_type_and_not_its_message(self, spans: Spans) -> None:
        with pytest.raises(LookupError), span("failing"):
            raise LookupError("ada@example.com")

        failed = spans.one("failing")
        assert failed.status.status_code is trace.StatusCode.ERROR
        assert failed.status.description == "LookupError"
        assert failed.attributes == {"error.type": "LookupError"}
        assert failed.events == ()

    def test_a_failure_marks_this_span_even_when_a_library_left_another_current(
        self, spans: Spans
    ) -> None:
        def fail_leaving_a_span_current() -> None:
            with span("mine"):
                leaked = trace.get_tracer("library").start_span("leaked")
                context.attach(trace.set_span_in_context(leaked))  # never detached
                raise OSError("half-way")

        with pytest.raises(OSError, match="half-way"):
            contextvars.copy_context().run(fail_leaving_a_span_current)

        mine = spans.one("mine")
        assert mine.status.status_code is trace.StatusCode.ERROR
        assert mine.attributes == {"error.type": "OSError"}

    def test_a_parent_given_is_continued_and_links_are_kept(self, spans: Spans) -> None:
        with span("elsewhere") as elsewhere:
            context = trace.set_span_in_context(elsewhere)
        with (
            span("here") as here,
            span(
                "continued",
                parent=context,
                kind=trace.SpanKind.PRODUCER,
                links=[trace.Link(here.get_span_context())],
            ),
        ):
            pass

        found = {found.name: found for found in spans.finished()}
        continued = found["continued"]
        assert parent_id(continued) == span_id(found["elsewhere"])
        assert continued.kind is trace.SpanKind.PRODUCER
        assert [link.context.span_id for link in continued.links] == [span_id(found["here"])]

    def test_without_a_tracer_provider_a_span_records_nothing(self) -> None:
        script = (
            "from opentelemetry import trace\n"
            "from app.application.tracing import span, tracing_is_on\n"
            "with span('x') as s:\n"
            "    assert s is trace.INVALID_SPAN and not s.is_recording()\n"
            "    assert trace.get_current_span() is trace.INVALID_SPAN\n"
            "print(tracing_is_on())\n"
        )
        result = subprocess.run(  # noqa: S603  (this interpreter, our own script)
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
        )

        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "False"


class TestCommitSpan:
    async def test_a_commit_is_a_span_with_its_events_and_stale_tags(self, spans: Spans) -> None:
        async with FakeWriteUnitOfWork(FakeDatabase(), effects=RecordedEffects()) as uow:
            uow.saw(_edited())
            uow.saw(Aggregate([_edited("p2")._pending_events[0]]))
            await uow.commit()

        commit = spans.one("uow.commit")
        assert commit.attributes == {
            "uow.events": 2,
            "uow.event_types": ("PostUpdated",),
            "uow.stale_tags": 6,  # post:p1, post:p2, posts, the author's, two tags'
        }

    async def test_the_outbox_keeps_the_commits_context(self, spans: Spans) -> None:
        database = FakeDatabase()
        aggregate = _edited()
        (event,) = aggregate._pending_events
        async with FakeWriteUnitOfWork(database, effects=RecordedEffects()) as uow:
            uow.saw(aggregate)
            await uow.commit()
        async with FakeWriteUnitOfWork(database, effects=RecordedEffects()) as uow:
            (stored,) = await uow.outbox.unsent([event.event_id])

        commit = spans.one("uow.commit")
        assert stored.trace_context is not None
        assert format(span_id(commit), "016x") in stored.trace_context

    async def test_a_commit_that_fails_is_an_error_span(self, spans: Spans) -> None:
        class Refusing(FakeWriteUnitOfWork):
            async def _commit_transaction(self) -> None:
                raise ConnectionError("lost at COMMIT")

        with pytest.raises(ConnectionError):
            async with Refusing(FakeDatabase(), effects=RecordedEffects()) as uow:
                await uow.commit()

        commit = spans.one("uow.commit")
        assert commit.status.description == "ConnectionError"
        assert commit.attributes is not None
        assert commit.attributes["uow.events"] == 0


class Service:
    def __init__(self, results: ResultCache) -> None:
        self.result_cache = results
        self.calls = 0

    @cached(ttl=30)
    async def answer(self, number: int) -> int:
        self.calls += 1
        return number * 2


class TestCacheLookupSpan:
    async def test_a_lookup_says_whether_it_hit(self, spans: Spans) -> None:
        service = Service(ResultCache(RecordingCache(), CacheKeys("t")))

        assert [await service.answer(21), await service.answer(21)] == [42, 42]

        lookups = spans.named("cache.lookup")
        assert [found.attributes for found in lookups] == [
            {"cache.method": "Service.answer", "cache.hit": False},
            {"cache.method": "Service.answer", "cache.hit": True},
        ]
        assert service.calls == 1

    async def test_an_entry_of_stale_tags_is_a_miss(self, spans: Spans) -> None:
        cache = RecordingCache()
        service = Service(ResultCache(cache, CacheKeys("t")))
        await service.answer(1)
        for key in list(cache.values):
            cache.values[key] = b'["old"]\n2'  # an entry written under other tag versions

        assert await service.answer(1) == 2

        assert [
            found.attributes and found.attributes["cache.hit"]
            for found in spans.named("cache.lookup")
        ] == [False, False]


def _registered() -> UserRegistered:
    return UserRegistered(occurred_at=T0, user_id="u1", email="u1@example.com", display_name="U")


def _created() -> PostCreated:
    return PostCreated(occurred_at=T0, post_id="p1", author_id="u1")


class Consumers:
    def __init__(self, failing: bool = False) -> None:
        self.failing = failing
        self.seen: list[list[str]] = []

    async def on_events(self, events: Sequence[DomainEvent]) -> None:
        self.seen.append([event.event_id for event in events])
        if self.failing:
            raise RuntimeError("secret detail")


def _dispatcher(consumers: Consumers) -> EventDispatcher:
    mapping: dict[type[DomainEvent], Any] = {
        UserRegistered: [consumers.on_events],
        PostCreated: [consumers.on_events],
    }
    return EventDispatcher(mapping, known=[UserRegistered, PostCreated])


class TestConsumerSpans:
    async def test_each_consumer_call_is_a_span_with_its_batch(self, spans: Spans) -> None:
        consumers = Consumers()

        await _dispatcher(consumers).dispatch_many([_registered(), _created()])

        consume = spans.one("consume Consumers.on_events")
        assert consume.attributes == {
            "consumer": "Consumers.on_events",
            "messaging.batch.message_count": 2,
            "event.types": ("PostCreated", "UserRegistered"),
        }

    async def test_a_single_event_dispatched_is_a_span_too(self, spans: Spans) -> None:
        await _dispatcher(Consumers()).dispatch(_created())

        assert spans.one("consume Consumers.on_events").attributes == {
            "consumer": "Consumers.on_events",
            "messaging.batch.message_count": 1,
            "event.types": ("PostCreated",),
        }

    async def test_a_failing_batch_and_its_retries_are_error_spans(self, spans: Spans) -> None:
        consumers = Consumers(failing=True)

        handled = await _dispatcher(consumers).dispatch_many([_registered(), _created()])

        assert handled == []
        calls = spans.named("consume Consumers.on_events")
        assert [
            found.attributes and found.attributes["messaging.batch.message_count"]
            for found in calls
        ] == [2, 1, 1]
        assert {found.status.description for found in calls} == {"RuntimeError"}

    def test_a_consumer_is_named_by_its_qualified_name(self) -> None:
        assert consumer_name(Consumers().on_events) == "Consumers.on_events"

        async def on_anything(events: Sequence[DomainEvent]) -> None: ...

        assert consumer_name(on_anything) == (
            "TestConsumerSpans.test_a_consumer_is_named_by_its_qualified_name.<locals>.on_anything"
        )

        class Callable:
            async def __call__(self, events: Sequence[DomainEvent]) -> None: ...

        assert consumer_name(Callable()) == (
            "TestConsumerSpans.test_a_consumer_is_named_by_its_qualified_name.<locals>.Callable"
        )
