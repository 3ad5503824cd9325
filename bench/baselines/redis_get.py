"""Baseline (d): a Redis GET of a post's cached JSON, parsed into the model and returned.

At startup the post BENCH_POST_ID is read once from the database and stored under
`<BENCH_REDIS_PREFIX>:baseline:post:<id>`; requests touch only Redis.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException
from redis.asyncio import Redis
from sqlalchemy import select

from bench.baselines.shared import (
    COLUMNS,
    PATH,
    TELEMETRY_OFF,
    PostOut,
    make_engine,
    posts,
    setting,
    to_out,
)

PREFIX = setting("BENCH_REDIS_PREFIX", "bench")
redis: Redis = Redis.from_url(setting("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))


def key(post_id: str) -> str:
    return f"{PREFIX}:baseline:post:{post_id}"


async def _seed_key(post_id: str) -> None:
    engine = make_engine()
    try:
        async with engine.connect() as connection:
            query = select(*COLUMNS).where(posts.c.id == post_id)
            row = (await connection.execute(query)).first()
    finally:
        await engine.dispose()
    if row is None:
        raise RuntimeError(f"post {post_id} does not exist: set BENCH_POST_ID")
    await redis.set(key(post_id), to_out(row).model_dump_json().encode())


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Seeds the key, and closes the client at the end (baseline g shares it)."""
    post_id = setting("BENCH_POST_ID")
    if post_id:
        await _seed_key(post_id)
    try:
        yield
    finally:
        await redis.aclose()


app = FastAPI(lifespan=lifespan, telemetry=TELEMETRY_OFF)


@app.get(PATH + "/{post_id}", response_model=PostOut)
async def get_post(post_id: str) -> PostOut:
    cached = await redis.get(key(post_id))
    if cached is None:
        raise HTTPException(404, "no such post")
    return PostOut.model_validate_json(cached)
