"""HTTP request metrics, and the Prometheus exposition served at `GET /metrics`.

With `PROMETHEUS_MULTIPROC_DIR` set (several worker processes), every process writes its
values to files there and the exposition sums them, so any process answers for all.
Without it, the process's own registry is served.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter(
    "http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from the request's arrival to its response's last byte, by method and route",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED = "unmatched"
"""The route label of requests no route took: never the raw path (unbounded labels)."""


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    DURATION.labels(method=method, route=route).observe(seconds)


class _Snapshot:
    """A collector of metric families read just before the scrape."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> list[Metric]:
        return self._families


def exposition(read_now: Iterable[Metric] = ()) -> bytes:
    """Every metric of every process, then the families read for this scrape."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    extra = CollectorRegistry(auto_describe=True)
    extra.register(_Snapshot(read_now))
    return body + generate_latest(extra)
