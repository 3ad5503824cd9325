"""Idempotency keys in SQL: one row per user and key, written in the request's transactions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.application.ports.repositories import IdempotencyRecord
from app.infra.db.tables import idempotency_keys as keys


def _record(row: Any) -> IdempotencyRecord:
    return IdempotencyRecord(
        user_id=row.user_id,
        key=row.key,
        request_hash=row.request_hash,
        started_at=row.started_at,
        response=row.response,
    )


def _this(user_id: str, key: str) -> Any:
    return (keys.c.user_id == user_id) & (keys.c.key == key)


class SqlIdempotencyKeys:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, record: IdempotencyRecord) -> bool:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    insert(keys).values(
                        user_id=record.user_id,
                        key=record.key,
                        request_hash=record.request_hash,
                        started_at=record.started_at,
                        response=record.response,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def get(self, user_id: str, key: str) -> IdempotencyRecord | None:
        row = (await self._session.execute(select(keys).where(_this(user_id, key)))).first()
        return None if row is None else _record(row)

    async def restart(self, record: IdempotencyRecord, *, expected_started_at: datetime) -> bool:
        result = await self._session.execute(
            update(keys)
            .where(_this(record.user_id, record.key), keys.c.started_at == expected_started_at)
            .values(
                request_hash=record.request_hash,
                started_at=record.started_at,
                response=record.response,
            )
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def complete(
        self, user_id: str, key: str, *, started_at: datetime, response: str
    ) -> bool:
        result = await self._session.execute(
            update(keys)
            .where(_this(user_id, key), keys.c.started_at == started_at)
            .values(response=response)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def remove(self, user_id: str, key: str, *, started_at: datetime) -> None:
        await self._session.execute(
            delete(keys).where(_this(user_id, key), keys.c.started_at == started_at)
        )
