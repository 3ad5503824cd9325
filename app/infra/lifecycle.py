"""What the process starts and stops, in order: the outbox sweep, then the pools."""

from __future__ import annotations

from collections.abc import AsyncIterator

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.application.consumers.dispatcher import EventDispatcher
from app.application.outbox_relay import OutboxRelay, sweeping


async def running(
    *engines: AsyncEngine,
    redis: Redis | None,
    relay: OutboxRelay | None,
    sweep_interval_seconds: float,
    dispatcher: EventDispatcher,
) -> AsyncIterator[None]:
    """A container resource. At start-up the consumer map has been checked (building
    `dispatcher` refuses an event type it lacks), so a process with an unhandled event
    does not start. At shutdown: stop sweeping, let the publications in flight finish,
    then close the Redis pool and every pooled database connection."""
    del dispatcher  # built, hence checked: nothing more to do with it here
    try:
        async with sweeping(relay, sweep_interval_seconds):
            yield
    finally:
        if redis is not None:
            await redis.aclose()
        for engine in engines:
            await engine.dispose()
