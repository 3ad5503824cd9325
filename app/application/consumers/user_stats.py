"""The user stats read model, projected from post events.

Each event makes the projection recount the author's current posts, under a lock on the
author's stats row, so the result does not depend on the order or number of deliveries; the handled
event id is recorded in the same transaction, so a redelivery changes nothing.
"""

from __future__ import annotations

from app.application import cache_tags
from app.application.handlers import CommandService, command_handler
from app.domain.events import PostCreated, PostDeleted

CONSUMER = "user_stats"


class UserStatsProjection(CommandService):
    @command_handler
    async def on_post_event(self, event: PostCreated | PostDeleted) -> bool:
        """Bring the author's stats up to date; False when the event was handled before."""
        if not await self.uow.handled_events.claim(CONSUMER, event.event_id):
            return False
        await self.uow.user_stats.lock(event.author_id)
        post_count, last_post_at = await self.uow.posts.author_stats(event.author_id)
        await self.uow.user_stats.save(
            event.author_id, post_count=post_count, last_post_at=last_post_at
        )
        self.uow.touch(cache_tags.user_stats(event.author_id))
        return True
