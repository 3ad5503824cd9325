"""Readiness probes of the database engines."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.infra.db.engines import READS_ONLY_OPTION


class EngineProbe:
    essential = True

    def __init__(self, name: str, engine: AsyncEngine) -> None:
        self._name = name
        self._engine = engine

    @property
    def name(self) -> str:
        return self._name

    async def check(self) -> None:
        async with self._engine.connect() as connection:
            # Answering must not wait behind, or take, a writer's lock.
            await connection.execution_options(**{READS_ONLY_OPTION: True})
            await connection.execute(text("SELECT 1"))
