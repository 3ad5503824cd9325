"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.interface.dependencies import Probes
from app.interface.problems import problem_response, problem_responses
from app.interface.schemas.health import LivenessOut, ReadinessOut

router = APIRouter(prefix="/health", tags=["operations"])
PROBE_TIMEOUT_SECONDS = 2.0


@router.get("/live", response_model=LivenessOut)
async def check_liveness() -> LivenessOut:
    """The process is serving."""
    return LivenessOut(status="ok")


@router.get("/ready", response_model=ReadinessOut, responses=problem_responses(503))
async def check_readiness(request: Request, probes: Probes) -> JSONResponse:
    """Per-component status: `degraded` without the cache or the broker, 503 without a
    database."""
    readiness = await probes.check(PROBE_TIMEOUT_SECONDS)
    if readiness.status == "down":
        return problem_response(
            request.url.path,
            503,
            f"unavailable: {', '.join(readiness.down)}",
            extensions={"components": readiness.components},
        )
    body = ReadinessOut.model_validate(
        {"status": readiness.status, "components": readiness.components}
    )
    return JSONResponse(body.model_dump(mode="json"))
