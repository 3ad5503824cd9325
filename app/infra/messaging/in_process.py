"""Publishing without a broker: the consumers run in this process (the embedded default)."""

from __future__ import annotations

from app.application.consumers.dispatcher import EventDispatcher
from app.domain.events import DomainEvent


class InProcessPublisher:
    def __init__(self, dispatcher: EventDispatcher) -> None:
        self._dispatcher = dispatcher

    async def publish(self, event: DomainEvent) -> None:
        await self._dispatcher.dispatch(event)
