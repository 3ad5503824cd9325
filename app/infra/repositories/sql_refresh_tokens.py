"""Refresh tokens in SQL, by digest: each is used once, decided by one conditional UPDATE."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.application.ports.repositories import RefreshUse
from app.infra.db.tables import refresh_tokens as tokens


def digest(token_id: str) -> str:
    """What is stored instead of the id: a database read gives no usable token id."""
    return hashlib.sha256(token_id.encode()).hexdigest()


class SqlRefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, token_id: str, *, user_id: str, family_id: str, expires_at: datetime
    ) -> None:
        await self._session.execute(
            insert(tokens).values(
                id=digest(token_id), user_id=user_id, family_id=family_id, expires_at=expires_at
            )
        )

    async def use(self, token_id: str, *, now: datetime) -> RefreshUse | None:
        stored_id = digest(token_id)
        result = await self._session.execute(
            update(tokens)
            .where(
                tokens.c.id == stored_id,
                tokens.c.used_at.is_(None),
                tokens.c.revoked_at.is_(None),
                tokens.c.expires_at > now,
            )
            .values(used_at=now)
        )
        first = result.rowcount == 1  # type: ignore[attr-defined]
        query = select(
            tokens.c.user_id, tokens.c.family_id, tokens.c.used_at, tokens.c.revoked_at
        ).where(tokens.c.id == stored_id)
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        if first:
            return RefreshUse(user_id=row.user_id, family_id=row.family_id, first=True)
        if row.used_at is not None:  # replayed (revoked or not: its family goes)
            return RefreshUse(user_id=row.user_id, family_id=row.family_id, first=False)
        return None  # expired, or revoked unused

    async def revoke_family(self, family_id: str, *, now: datetime) -> None:
        await self._session.execute(
            update(tokens)
            .where(tokens.c.family_id == family_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
