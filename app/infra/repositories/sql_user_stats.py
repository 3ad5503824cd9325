"""The user stats read model in SQL: written by the projection, read by the stats query.

Post stats and the comment count are saved apart, each leaving the other's columns as
they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.application.ports.readers import UserStatsView
from app.infra.db.tables import user_stats
from app.infra.repositories.connections import ConnectionSource

_ZERO: Mapping[str, object] = {"post_count": 0, "last_post_at": None, "comment_count": 0}


class SqlUserStatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, user_id: str) -> None:
        # An upsert that changes nothing still takes the row's exclusive lock.
        await self._upsert(user_id, {"user_id": user_id})

    async def save(self, user_id: str, *, post_count: int, last_post_at: datetime | None) -> None:
        await self._upsert(user_id, {"post_count": post_count, "last_post_at": last_post_at})

    async def save_comment_count(self, user_id: str, *, comment_count: int) -> None:
        await self._upsert(user_id, {"comment_count": comment_count})

    async def _upsert(self, user_id: str, changes: Mapping[str, object]) -> None:
        """Insert the user's stats at zero with these changes, or apply them to the row."""
        values = {**_ZERO, **changes, "user_id": user_id}
        if self._session.get_bind().dialect.name == "sqlite":
            statement = (
                sqlite.insert(user_stats)
                .values(**values)
                .on_conflict_do_update(index_elements=["user_id"], set_=changes)
            )
            await self._session.execute(statement)
        else:
            await self._session.execute(
                mysql.insert(user_stats).values(**values).on_duplicate_key_update(**changes)
            )


class SqlUserStatsReader:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def get(self, user_id: str) -> UserStatsView | None:
        connection = await self._connection()
        query = select(user_stats).where(user_stats.c.user_id == user_id)
        row = (await connection.execute(query)).first()
        if row is None:
            return None
        return UserStatsView(
            user_id=row.user_id,
            post_count=row.post_count,
            last_post_at=row.last_post_at,
            comment_count=row.comment_count,
        )
