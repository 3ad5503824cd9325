"""Runs the consumers of domain events, as the consumer map says.

The map (`subscriptions.py`) names, for every domain event type, the consumers that
handle it, in order; an event type missing from it is refused when the dispatcher is
built, so a new event cannot silently go unhandled. A consumer takes a batch of events
and handles all of them or raises.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from app.application.tracing import span
from app.domain.events import DomainEvent, domain_events

logger = logging.getLogger(__name__)

Consumer = Callable[[Sequence[Any]], Awaitable[object]]
ConsumerMap = Mapping[type[DomainEvent], Sequence[Consumer]]


def service_events() -> list[type[DomainEvent]]:
    """Every domain event type this service defines."""
    return list(domain_events().values())


class EventDispatcher:
    def __init__(
        self, consumers: ConsumerMap, known: Iterable[type[DomainEvent]] | None = None
    ) -> None:
        expected = service_events() if known is None else list(known)
        missing = sorted(kind.__name__ for kind in expected if kind not in consumers)
        if missing:
            raise LookupError(
                f"no consumers declared for {', '.join(missing)}: "
                "map each to its consumers, or to [] when none should run"
            )
        self._consumers = consumers

    def _consumers_of(self, event: DomainEvent) -> Sequence[Consumer]:
        consumers = self._consumers.get(type(event))
        if consumers is None:
            raise LookupError(f"no consumers declared for {type(event).__name__}")
        return consumers

    async def dispatch(self, event: DomainEvent) -> None:
        """Run every consumer of the event (each idempotent); the first failure raises."""
        for consumer in self._consumers_of(event):
            await _consume(consumer, [event])

    async def dispatch_many(self, events: Sequence[DomainEvent]) -> list[str]:
        """Run the consumers of a batch; the ids of the events fully handled, in order.

        Each consumer gets all of its events of the batch in one call (the stats
        projection then recounts each author once). When that call fails, its events
        are retried one by one, so one event that keeps failing holds back no other.
        Failures are logged and leave their events out, for a later delivery.
        """
        batches: dict[Consumer, list[DomainEvent]] = {}
        for event in events:
            for consumer in self._consumers_of(event):
                batches.setdefault(consumer, []).append(event)
        failed: set[str] = set()
        for consumer, batch in batches.items():
            failed.update(await self._run(consumer, batch))
        return [event.event_id for event in events if event.event_id not in failed]

    async def _run(self, consumer: Consumer, batch: list[DomainEvent]) -> set[str]:
        """The ids of the events the consumer could not handle."""
        try:
            await _consume(consumer, batch)
        except Exception:
            if len(batch) > 1:
                logger.warning(
                    "a batch of %d events failed in %s; trying them one by one",
                    len(batch),
                    getattr(consumer, "__qualname__", consumer),
                    exc_info=True,
                )
            else:
                event = batch[0]
                logger.warning(
                    "event %s (%s) not handled yet",
                    event.event_id,
                    type(event).__name__,
                    exc_info=True,
                )
                return {event.event_id}
        else:
            return set()
        failed: set[str] = set()
        for event in batch:
            failed.update(await self._run(consumer, [event]))
        return failed


def consumer_name(consumer: Consumer) -> str:
    """`WelcomeMail.on_user_registered`: the qualified name of a consumer's method."""
    return str(getattr(consumer, "__qualname__", type(consumer).__qualname__))


async def _consume(consumer: Consumer, batch: Sequence[DomainEvent]) -> None:
    """One consumer's call, in a span of its own."""
    name = consumer_name(consumer)
    with span(
        f"consume {name}",
        {
            "consumer": name,
            "messaging.batch.message_count": len(batch),
            "event.types": sorted({type(event).__name__ for event in batch}),
        },
    ):
        await consumer(batch)
