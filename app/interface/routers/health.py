"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.interface.dependencies import Probes
from app.interface.problems import problem_response, problem_responses

router = APIRouter(prefix="/health", tags=["operations"])
logger = logging.getLogger(__name__)
PROBE_TIMEOUT_SECONDS = 2.0


@router.get("/live")
async def live() -> dict[str, str]:
    """The process is serving."""
    return {"status": "ok"}


@router.get("/ready", responses=problem_responses(503))
async def ready(request: Request, probes: Probes) -> JSONResponse:
    """Every database answers; per-component status."""
    results = await asyncio.gather(*(_status(probe.name, probe.check()) for probe in probes))
    components = dict(results)
    if all(state == "ok" for state in components.values()):
        return JSONResponse({"status": "ok", "components": components})
    down = ", ".join(name for name, state in components.items() if state != "ok")
    return problem_response(
        request.url.path, 503, f"unavailable: {down}", extensions={"components": components}
    )


async def _status(name: str, check: Coroutine[Any, Any, None]) -> tuple[str, str]:
    try:
        await asyncio.wait_for(check, PROBE_TIMEOUT_SECONDS)
    except Exception:
        logger.warning("readiness probe %s failed", name, exc_info=True)
        return name, "down"
    return name, "ok"
