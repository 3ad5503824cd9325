"""Publishing without a broker: the consumers run in this process (the embedded default)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.application.consumers.dispatcher import EventDispatcher
from app.domain.events import DomainEvent
from app.infra.tracing import publishing


class InProcessPublisher:
    """Builds the dispatcher for each publication, so overriding a consumer's parts (the
    mailer, the write unit of work) takes effect at once."""

    def __init__(self, dispatcher: Callable[[], EventDispatcher]) -> None:
        self._dispatcher = dispatcher

    async def publish(self, events: Sequence[DomainEvent]) -> list[str]:
        with publishing(events):  # the consumers' spans join the first event's trace
            return await self._dispatcher().dispatch_many(events)
