"""The user stats read model, projected from post and comment events.

The projection recounts each author's current posts (or comments) under a lock on the
author's stats row, so the result does not depend on the order or number of
deliveries. Events that arrive together are handled in one transaction, each author
recounted once. Handled event ids are recorded in the same transaction, so a
redelivery changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from app.application import cache_tags
from app.application.handlers import CommandService, command_handler
from app.domain.comments import CommentCreated, CommentDeleted
from app.domain.events import PostCreated, PostDeleted

CONSUMER = "user_stats"

AuthoredEvent = PostCreated | PostDeleted | CommentCreated | CommentDeleted


class UserStatsProjection(CommandService):
    @command_handler
    async def on_post_events(self, events: Sequence[PostCreated | PostDeleted]) -> int:
        """Bring the authors' post stats up to date; how many events were new."""
        return await self._recount(events, self._recount_posts)

    @command_handler
    async def on_comment_events(self, events: Sequence[CommentCreated | CommentDeleted]) -> int:
        """Bring the authors' comment counts up to date; how many events were new."""
        return await self._recount(events, self._recount_comments)

    async def _recount(
        self, events: Sequence[AuthoredEvent], recount: Callable[[str], Awaitable[None]]
    ) -> int:
        authors = sorted({event.author_id for event in events})
        for author_id in authors:  # one lock order everywhere: no deadlock between batches
            await self.uow.user_stats.lock(author_id)
        new = set(
            await self.uow.handled_events.claim_many(CONSUMER, [event.event_id for event in events])
        )
        for author_id in authors:
            if not any(e.event_id in new and e.author_id == author_id for e in events):
                continue
            await recount(author_id)
            self.uow.touch(cache_tags.user_stats(author_id))
        return len(new)

    async def _recount_posts(self, author_id: str) -> None:
        post_count, last_post_at = await self.uow.posts.author_stats(author_id)
        await self.uow.user_stats.save(author_id, post_count=post_count, last_post_at=last_post_at)

    async def _recount_comments(self, author_id: str) -> None:
        comment_count = await self.uow.comments.author_count(author_id)
        await self.uow.user_stats.save_comment_count(author_id, comment_count=comment_count)
