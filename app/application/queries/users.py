"""User queries: a user's own account and public profiles."""

from __future__ import annotations

from app.application import cache_tags
from app.application.caching import cached
from app.application.handlers import QueryService, query_handler
from app.application.ports.readers import UserStatsView, UserView
from app.domain.errors import NotFound, Unauthorized
from app.domain.identity import is_well_formed_id


class UserQueryService(QueryService):
    @query_handler
    @cached(ttl=60, tags=lambda user_id: [cache_tags.user(user_id)])
    async def get_user(self, user_id: str) -> UserView:
        user = await self.uow.users.get(user_id) if is_well_formed_id(user_id) else None
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        return user

    @query_handler
    async def get_account(self, user_id: str) -> UserView:
        """The signed-in user's own account; Unauthorized if it no longer exists."""
        user = await self.uow.users.get(user_id)
        if user is None:
            raise Unauthorized("the signed-in user no longer exists")
        return user

    @query_handler
    # Short: with a per-process cache, workers' updates cannot invalidate it.
    @cached(ttl=5, tags=lambda user_id: [cache_tags.user_stats(user_id)])
    async def get_stats(self, user_id: str) -> UserStatsView:
        """The user's stats read model; zero posts until the first post event is handled."""
        await self.get_user(user_id)
        stats = await self.uow.user_stats.get(user_id)
        return stats or UserStatsView(user_id=user_id, post_count=0, last_post_at=None)
