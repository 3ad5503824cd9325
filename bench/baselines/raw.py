"""Baseline (f): the same primary-key select on a bare aiomysql pool, no SQLAlchemy.

The pool runs in autocommit, so a connection goes back with nothing to roll back: this
is the ceiling of the driver the service uses, with the same response model on top.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC
from typing import Any

import aiomysql
from fastapi import FastAPI, HTTPException
from sqlalchemy.engine import make_url

from bench.baselines.shared import DEFAULT_DB_URL, PATH, POOL_SIZE, TELEMETRY_OFF, PostOut, setting

QUERY = (
    "SELECT id, title, body, tags, author_id, created_at, updated_at, version"
    " FROM posts WHERE id = %s"
)
pool: Any = None


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    global pool
    url = make_url(setting("BENCH_DB_URL", DEFAULT_DB_URL))
    pool = await aiomysql.create_pool(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        db=url.database or "bench",
        charset="utf8mb4",
        autocommit=True,
        minsize=1,
        maxsize=2 * POOL_SIZE,  # the pool size plus SQLAlchemy's default overflow
    )
    try:
        yield
    finally:
        pool.close()
        await pool.wait_closed()


app = FastAPI(lifespan=lifespan, telemetry=TELEMETRY_OFF)


@app.get(PATH + "/{post_id}", response_model=PostOut)
async def get_post(post_id: str) -> PostOut:
    async with pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute(QUERY, (post_id,))
        row = await cursor.fetchone()
    if row is None:
        raise HTTPException(404, "no such post")
    post_id, title, body, tags, author_id, created_at, updated_at, version = row
    return PostOut(
        id=post_id,
        title=title,
        body=body,
        tags=tags.split(",") if tags else [],
        author_id=author_id,
        created_at=created_at.replace(tzinfo=UTC),
        updated_at=updated_at.replace(tzinfo=UTC),
        version=version,
    )
