"""Publishing without a broker: the consumers run in this process (the embedded default)."""

from __future__ import annotations

from collections.abc import Sequence

from app.application.consumers.dispatcher import EventDispatcher
from app.domain.events import DomainEvent


class InProcessPublisher:
    def __init__(self, dispatcher: EventDispatcher) -> None:
        self._dispatcher = dispatcher

    async def publish(self, events: Sequence[DomainEvent]) -> list[str]:
        return await self._dispatcher.dispatch_many(events)
