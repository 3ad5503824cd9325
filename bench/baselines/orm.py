"""Baseline (b): a primary-key select of one post with an ORM AsyncSession."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.baselines.shared import PATH, TELEMETRY_OFF, Post, PostOut, make_engine, to_out

engine = make_engine()
sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan, telemetry=TELEMETRY_OFF)


@app.get(PATH + "/{post_id}", response_model=PostOut)
async def get_post(post_id: str) -> PostOut:
    async with sessions() as session:
        post = await session.get(Post, post_id)
        if post is None:
            raise HTTPException(404, "no such post")
        return to_out(post)
