"""Several API processes behind one port: `make serve-prod`, or
`gunicorn app.main:app -c gunicorn.conf.py`.

- `WEB_CONCURRENCY` worker processes (default 2), each a uvicorn event loop (uvloop,
  httptools). Each imports the app after the fork, so each has its own container,
  engines, pools and Redis client.
- On SIGTERM every worker stops accepting, finishes the requests in flight (up to
  `GRACEFUL_TIMEOUT`, 30 s), closes its pools and exits; then the master exits.
- Metrics: `PROMETHEUS_MULTIPROC_DIR` (default: a folder under the temporary directory)
  is set before anything imports prometheus_client, emptied before the workers start,
  and cleaned of a worker's live gauges when it exits, so `GET /metrics` on any worker
  reports the sum over all of them.
- With more than one worker the cache must be shared: the in-process `memory` backend
  is refused (set `REDIS_URL`, or `CACHE_BACKEND=none`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), "posts-service-metrics")
)

# Imported only now that the directory is set: prometheus_client reads it on import.
from prometheus_client import multiprocess
from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]

from app.infra.settings import load_settings


class Worker(UvicornWorker):  # type: ignore[misc]
    # The app writes one access line per request itself.
    CONFIG_KWARGS = {"loop": "uvloop", "http": "httptools", "access_log": False}


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = Worker
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "30"))
timeout = 60
keepalive = 5
accesslog = None


def on_starting(_server: Any) -> None:
    """Before any worker starts: refuse a per-process cache, start the metrics afresh."""
    if workers > 1 and load_settings().cache_in_use == "memory":
        raise SystemExit(
            "CACHE_BACKEND=memory keeps one cache per process: with several workers, "
            "writes through one would leave stale entries in the others. "
            "Set REDIS_URL (or CACHE_BACKEND=none)."
        )
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)


def child_exit(_server: Any, worker: Any) -> None:
    """A worker is gone: its live gauges (connections in use) no longer count."""
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
