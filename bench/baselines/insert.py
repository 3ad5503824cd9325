"""Baseline (e): one INSERT of a post row per POST, in a transaction of its own.

The author is BENCH_AUTHOR_ID (an existing user: the foreign key is checked). Only the
post row is written: no tag rows, no outbox event, no user check, no cache invalidation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import uuid_utils
from fastapi import FastAPI, status
from sqlalchemy import insert

from bench.baselines.shared import PATH, TELEMETRY_OFF, PostIn, PostOut, make_engine, posts, setting

AUTHOR_ID = setting("BENCH_AUTHOR_ID")
engine = make_engine()


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    if not AUTHOR_ID:
        raise RuntimeError("set BENCH_AUTHOR_ID to an existing user's id")
    try:
        yield
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan, telemetry=TELEMETRY_OFF)


@app.post(PATH, response_model=PostOut, status_code=status.HTTP_201_CREATED)
async def create_post(command: PostIn) -> PostOut:
    now = datetime.now(UTC)
    post = PostOut(
        id=str(uuid_utils.uuid7()),
        title=command.title,
        body=command.body,
        tags=command.tags,
        author_id=AUTHOR_ID,
        created_at=now,
        updated_at=now,
        version=1,
    )
    stored = now.replace(tzinfo=None)
    async with engine.begin() as connection:
        await connection.execute(
            insert(posts).values(
                id=post.id,
                author_id=post.author_id,
                title=post.title,
                title_lower=post.title.lower(),
                body=post.body,
                tags=",".join(post.tags),
                created_at=stored,
                updated_at=stored,
                version=post.version,
            )
        )
    return post
