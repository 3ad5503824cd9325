"""Baseline (g): a bare Starlette route answering with the cached bytes from Redis.

No FastAPI, no pydantic, no dependency: one Redis GET and the bytes as they are stored.
This is the cache's ceiling on this machine; the key is seeded by baseline (d)'s lifespan.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.baselines.redis_get import key, lifespan, redis
from bench.baselines.shared import PATH


async def get_post(request: Request) -> Response:
    cached = await redis.get(key(request.path_params["post_id"]))
    if cached is None:
        return Response(b'{"detail":"no such post"}', 404, media_type="application/json")
    return Response(cached, media_type="application/json")


app = Starlette(routes=[Route(PATH + "/{post_id}", get_post)], lifespan=lifespan)
