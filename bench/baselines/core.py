"""Baseline (c): a primary-key select of one post with SQLAlchemy Core `engine.connect()`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException
from sqlalchemy import select

from bench.baselines.shared import COLUMNS, PATH, TELEMETRY_OFF, PostOut, make_engine, posts, to_out

engine = make_engine()


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan, telemetry=TELEMETRY_OFF)


@app.get(PATH + "/{post_id}", response_model=PostOut)
async def get_post(post_id: str) -> PostOut:
    async with engine.connect() as connection:
        row = (await connection.execute(select(*COLUMNS).where(posts.c.id == post_id))).first()
    if row is None:
        raise HTTPException(404, "no such post")
    return to_out(row)
