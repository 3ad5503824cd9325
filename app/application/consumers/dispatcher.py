"""Which consumers handle which event."""

from __future__ import annotations

from app.application.consumers.user_stats import UserStatsProjection
from app.application.consumers.welcome_mail import WelcomeMail
from app.domain.events import DomainEvent, PostCreated, PostDeleted, UserRegistered


class EventDispatcher:
    def __init__(self, user_stats: UserStatsProjection, welcome_mail: WelcomeMail) -> None:
        self._user_stats = user_stats
        self._welcome_mail = welcome_mail

    async def dispatch(self, event: DomainEvent) -> None:
        """Run every consumer of the event (each idempotent, each in its own transaction)."""
        if isinstance(event, UserRegistered):
            await self._welcome_mail.on_user_registered(event)
        elif isinstance(event, PostCreated | PostDeleted):
            await self._user_stats.on_post_event(event)
