"""The commit mechanics every write unit of work shares, fake or real.

`WriteUnitOfWorkBase.commit()` is the one implementation: it takes the domain events
of every aggregate the repositories saw, derives the cache tags they make stale
(`cache_tags.stale_after`), writes the events to the outbox in the same transaction,
commits, and then runs the post-commit effects. Subclasses provide only storage: the
outbox and how a transaction commits or rolls back. The effects are a required
argument, so no unit of work can be built that commits without them.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

from app.application import cache_tags
from app.application.caching import TAG_COUNTER_TTL_SECONDS, ResultCache
from app.application.consistency import ReadYourWrites, current_actor
from app.application.ports.messaging import Outbox, OutboxKick
from app.application.tracing import span
from app.domain.events import RecordsEvents

logger = logging.getLogger(__name__)

_SEALED = frozenset({"commit", "rollback"})


class CommitEffects:
    """What follows a successful commit: kick the outbox relay for the events it wrote,
    bump the stale tags' counters, and mark the writer for read-your-writes; the last
    two in one call when they share a cache (as the container wires them)."""

    def __init__(
        self,
        results: ResultCache | None,
        read_your_writes: ReadYourWrites | None,
        relay: OutboxKick | None = None,
    ) -> None:
        self._results = results
        self._read_your_writes = read_your_writes
        self._relay = relay

    async def after_commit(self, stale: Iterable[str], event_ids: Sequence[str] = ()) -> None:
        if self._relay is not None and event_ids:
            self._relay.kick(list(event_ids))
        counters: dict[str, float] = {}
        if self._results is not None:
            keys = self._results.keys
            counters = {keys.tag(tag): TAG_COUNTER_TTL_SECONDS for tag in sorted(set(stale))}
        actor, marks = current_actor(), self._read_your_writes
        if actor is not None and marks is not None:
            if self._results is not None and marks.cache is self._results.cache:
                counters.update(marks.marker(actor))  # one round trip for both
            else:
                await self._bump(counters)
                counters = {}
                await marks.wrote(actor)
        await self._bump(counters)

    async def _bump(self, counters: dict[str, float]) -> None:
        if self._results is not None and counters:
            await self._results.cache.increment_many(counters)


class WriteUnitOfWorkBase(ABC):
    """Subclasses provide storage; `commit` and `rollback` are this class's alone (a
    subclass that defines either is refused when it is defined)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        overridden = sorted(_SEALED & vars(cls).keys())
        if overridden:
            raise TypeError(
                f"{cls.__qualname__} overrides {', '.join(overridden)}: a unit of work "
                "implements _commit_transaction and _rollback_transaction instead"
            )

    def __init__(self, *, effects: CommitEffects) -> None:
        self._effects = effects
        self._touched: set[str] = set()
        self._seen: list[RecordsEvents] = []

    @property
    @abstractmethod
    def outbox(self) -> Outbox: ...

    @abstractmethod
    async def _commit_transaction(self) -> None: ...

    @abstractmethod
    async def _rollback_transaction(self) -> None: ...

    def saw(self, aggregate: RecordsEvents) -> None:
        """Repositories report every aggregate they load or stage: its events are
        committed with it."""
        self._seen.append(aggregate)

    def touch(self, *tags: str) -> None:
        """Cached results carrying these tags become unreachable once this commits (for
        state that raises no domain event, such as read models)."""
        self._touched.update(tags)

    def _forget(self) -> None:
        self._touched = set()
        self._seen = []

    async def commit(self) -> None:
        seen, self._seen = self._seen, []
        events = [event for aggregate in seen for event in aggregate.pull_events()]
        stale = self._touched | cache_tags.stale_after(events)  # before anything is written
        # The outbox stores this span's context with the events: their consumers' spans
        # join the trace of the commit that wrote them.
        with span(
            "uow.commit",
            {
                "uow.events": len(events),
                "uow.event_types": sorted({type(event).__name__ for event in events}),
                "uow.stale_tags": len(stale),
            },
        ):
            if events:
                await self.outbox.add(events)
            await self._commit_transaction()
            self._touched = set()
            try:
                await self._effects.after_commit(stale, [event.event_id for event in events])
            except Exception:
                # The commit stands; a cache that cannot be told fails open on reads too.
                logger.warning("post-commit cache work failed", exc_info=True)

    async def rollback(self) -> None:
        self._forget()
        await self._rollback_transaction()
