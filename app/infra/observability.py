"""Metrics of the infrastructure: connection pools, the cache, the outbox, Celery tasks.

Prometheus metrics (prometheus_client). With `PROMETHEUS_MULTIPROC_DIR` set in the
environment before the process starts, every process writes its values to files in that
directory and any one of them serves the sum (see `app/interface/metrics.py`); the
directory must be emptied before the processes start (`gunicorn.conf.py` does it).
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

POOL_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Database connections checked out of the pool, by engine (summed over processes)",
    ["engine"],
    multiprocess_mode="livesum",
)
CACHE_LOOKUPS = Counter(
    "cache_lookups",
    "Cached query results looked up: hit, miss, or bypass (read-your-writes)",
    ["result"],
)
CACHE_ERRORS = Counter(
    "cache_errors",
    "Cache calls that failed or timed out and were served without the cache",
    ["operation"],
)
CELERY_TASKS = Counter(
    "celery_tasks",
    "Event tasks run by Celery workers, by outcome",
    ["task", "outcome"],
)


def observe_pool(engine: AsyncEngine, name: str) -> None:
    """Count the engine's connections in use under `engine=name`."""
    in_use = POOL_IN_USE.labels(engine=name)

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(*_: Any) -> None:
        in_use.inc()

    @event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(*_: Any) -> None:
        in_use.dec()


def count_cache_lookup(result: str) -> None:
    CACHE_LOOKUPS.labels(result=result).inc()


def count_cache_error(operation: str) -> None:
    CACHE_ERRORS.labels(operation=operation).inc()


def count_task(task: str, outcome: str) -> None:
    CELERY_TASKS.labels(task=task, outcome=outcome).inc()
