"""Readiness probes of the database engines."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class EngineProbe:
    def __init__(self, name: str, engine: AsyncEngine) -> None:
        self._name = name
        self._engine = engine

    @property
    def name(self) -> str:
        return self._name

    async def check(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
