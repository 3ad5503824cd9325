"""What the baselines share: settings, the response model, the mapped class, the engine."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any, cast

from pydantic import BaseModel, Field
from sqlalchemy import String, Table, Text
from sqlalchemy.dialects.mysql import DATETIME
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DEFAULT_DB_URL = "mysql+aiomysql://root@127.0.0.1:3306/bench?charset=utf8mb4"
POOL_SIZE = 10
PATH = "/api/v1/posts"
TELEMETRY_OFF: Any = {"tracing": False, "metrics": False, "logs": False}
"""As the service runs by default (OPENTELEMETRY=false): no per-request provider check."""


def setting(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


class PostOut(BaseModel):
    """The same fields as the service's response."""

    id: str
    title: str
    body: str
    tags: list[str]
    author_id: str
    created_at: datetime
    updated_at: datetime
    version: int


class PostIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=100_000)
    tags: list[str] = Field(default_factory=list, max_length=10)


class Base(DeclarativeBase):
    pass


class Post(Base):
    """The `posts` table as a plain mapped class (the seed's schema, created by alembic)."""

    __tablename__ = "posts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    author_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    title_lower: Mapped[str] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(DATETIME(fsp=6))
    updated_at: Mapped[datetime] = mapped_column(DATETIME(fsp=6))
    version: Mapped[int]


posts = cast(Table, Post.__table__)
COLUMNS = (
    posts.c.id,
    posts.c.title,
    posts.c.body,
    posts.c.tags,
    posts.c.author_id,
    posts.c.created_at,
    posts.c.updated_at,
    posts.c.version,
)


def to_out(row: Any) -> PostOut:
    """A row (ORM object or Core row) as the response model; stored times are naive UTC."""
    return PostOut(
        id=row.id,
        title=row.title,
        body=row.body,
        tags=row.tags.split(",") if row.tags else [],
        author_id=row.author_id,
        created_at=row.created_at.replace(tzinfo=UTC),
        updated_at=row.updated_at.replace(tzinfo=UTC),
        version=row.version,
    )


def make_engine() -> AsyncEngine:
    return create_async_engine(setting("BENCH_DB_URL", DEFAULT_DB_URL), pool_size=POOL_SIZE)
