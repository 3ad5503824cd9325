"""Which consumers handle which event."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from app.application.consumers.user_stats import UserStatsProjection
from app.application.consumers.welcome_mail import WelcomeMail
from app.domain.events import DomainEvent, PostCreated, PostDeleted, UserRegistered

logger = logging.getLogger(__name__)


class EventDispatcher:
    def __init__(self, user_stats: UserStatsProjection, welcome_mail: WelcomeMail) -> None:
        self._user_stats = user_stats
        self._welcome_mail = welcome_mail

    async def dispatch(self, event: DomainEvent) -> None:
        """Run every consumer of the event (each idempotent, each in its own transaction)."""
        if isinstance(event, UserRegistered):
            await self._welcome_mail.on_user_registered(event)
        elif isinstance(event, PostCreated | PostDeleted):
            await self._user_stats.on_post_events([event])

    async def dispatch_many(self, events: Sequence[DomainEvent]) -> list[str]:
        """Run the consumers of a batch; the ids of the events fully handled, in order.

        The post events of a batch update the stats in one transaction, each author
        recounted once however many of their events arrived together. A failure is
        logged and leaves its events out, for a later delivery.
        """
        handled: set[str] = set()
        post_events = [event for event in events if isinstance(event, PostCreated | PostDeleted)]
        if post_events:
            try:
                await self._user_stats.on_post_events(post_events)
            except Exception:
                logger.warning("%d post events not projected yet", len(post_events), exc_info=True)
            else:
                handled.update(event.event_id for event in post_events)
        for event in events:
            if isinstance(event, PostCreated | PostDeleted):
                continue
            try:
                await self.dispatch(event)
            except Exception:
                logger.warning(
                    "event %s (%s) not handled yet",
                    event.event_id,
                    type(event).__name__,
                    exc_info=True,
                )
            else:
                handled.add(event.event_id)
        return [event.event_id for event in events if event.event_id in handled]
