"""Refresh tokens in SQL: each can be used once, decided by one conditional UPDATE."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.infra.db.tables import refresh_tokens


class SqlRefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token_id: str, *, user_id: str, expires_at: datetime) -> None:
        await self._session.execute(
            insert(refresh_tokens).values(id=token_id, user_id=user_id, expires_at=expires_at)
        )

    async def use(self, token_id: str, *, now: datetime) -> str | None:
        result = await self._session.execute(
            update(refresh_tokens)
            .where(
                refresh_tokens.c.id == token_id,
                refresh_tokens.c.used_at.is_(None),
                refresh_tokens.c.expires_at > now,
            )
            .values(used_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        owner = await self._session.execute(
            select(refresh_tokens.c.user_id).where(refresh_tokens.c.id == token_id)
        )
        user_id: str = owner.scalar_one()
        return user_id
