"""`GET /metrics`: Prometheus text format, for the operators' scraper (keep it internal)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from app.application.outbox_relay import OutboxRelay
from app.interface.metrics import exposition

router = APIRouter(tags=["operations"])
logger = logging.getLogger(__name__)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Every process's metrics, and the outbox backlog read from the database now."""
    return Response(exposition(await _outbox(request)), media_type=CONTENT_TYPE_LATEST)


async def _outbox(request: Request) -> list[Metric]:
    relay = request.app.state.providers.provider(OutboxRelay)()
    if relay is None:
        return []
    try:
        unsent, oldest_age, dead = await relay.backlog()
    except Exception:
        logger.warning("outbox backlog not read for this scrape", exc_info=True)
        return []
    return [
        GaugeMetricFamily("outbox_unsent_events", "Events committed but not yet published", unsent),
        GaugeMetricFamily(
            "outbox_oldest_unsent_age_seconds",
            "How long the oldest unpublished event has waited",
            oldest_age,
        ),
        GaugeMetricFamily(
            "outbox_dead_events",
            "Events whose consumers kept failing, no longer delivered until returned",
            dead,
        ),
    ]
