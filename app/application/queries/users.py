"""User queries: a user's own account and public profiles."""

from __future__ import annotations

from app.application.handlers import QueryService, query_handler
from app.application.ports.readers import UserView
from app.domain.errors import NotFound


class UserQueryService(QueryService):
    @query_handler
    async def get_user(self, user_id: str) -> UserView:
        user = await self.uow.users.get(user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        return user
