"""Baseline (a): a constant post through a pydantic response_model; no I/O at all."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI

from bench.baselines.shared import PATH, TELEMETRY_OFF, PostOut

_WHEN = datetime(2026, 1, 1, tzinfo=UTC)
_POST = PostOut(
    id="01900000-0000-7000-8000-000000000000",
    title="A constant post",
    body="The same body every time. " * 20,
    tags=["python", "web"],
    author_id="01900000-0000-7000-8000-000000000001",
    created_at=_WHEN,
    updated_at=_WHEN,
    version=1,
)

app = FastAPI(telemetry=TELEMETRY_OFF)


@app.get(PATH + "/{post_id}", response_model=PostOut)
async def get_post(post_id: str) -> PostOut:
    return _POST
