"""The user stats read model in SQL: written by the projection, read by the stats query."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.application.ports.readers import UserStatsView
from app.infra.db.tables import user_stats
from app.infra.repositories.connections import ConnectionSource


class SqlUserStatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, user_id: str) -> None:
        # An upsert that changes nothing still takes the row's exclusive lock.
        await self._upsert(
            {"user_id": user_id, "post_count": 0, "last_post_at": None}, {"user_id": user_id}
        )

    async def save(self, user_id: str, *, post_count: int, last_post_at: datetime | None) -> None:
        values = {"user_id": user_id, "post_count": post_count, "last_post_at": last_post_at}
        changes = {"post_count": post_count, "last_post_at": last_post_at}
        await self._upsert(values, changes)

    async def _upsert(self, values: Mapping[str, object], changes: Mapping[str, object]) -> None:
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
            user_id=row.user_id, post_count=row.post_count, last_post_at=row.last_post_at
        )
