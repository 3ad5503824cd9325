"""The Celery worker's entry point: `celery -A app.worker worker` (and `beat`).

Like `app.main` for the API, this module knows the container. Tasks are thin: they run
a consumer from the container on the worker process's one event loop. The loop and the
container (engines, pools) are created in the process that runs tasks, after any fork,
and closed when it stops.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from celery.signals import (
    setup_logging,
    worker_process_init,
    worker_process_shutdown,
    worker_shutdown,
)
from dependency_injector import providers

from app.infra.logs import configure_logging, uses_json
from app.infra.messaging.celery_app import HANDLE_EVENT, SWEEP_OUTBOX, create_celery
from app.infra.messaging.event_codec import decode
from app.infra.observability import count_task
from app.infra.settings import load_settings
from app.infra.tracing import build_tracer_provider, instrument_celery, use_globally
from containers import Container

logger = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_DELAY_MAX = 60

settings = load_settings()
celery = create_celery(settings)
# Tracing, when on: set up here, before any task runs, so that Celery's task spans continue
# the trace that each message's headers carry (from the request that wrote the event). A
# prefork child gets its own export thread: the SDK starts it again after a fork.
tracer_provider = build_tracer_provider(settings)
use_globally(tracer_provider)
instrument_celery(tracer_provider)


def _configure_logging(**_: object) -> None:
    """The worker logs like the API (Celery leaves logging alone when this is connected)."""
    configure_logging(
        level=settings.log_level,
        json_lines=uses_json(settings.log_format, settings.app_profile),
        traced=tracer_provider is not None,
    )


setup_logging.connect(_configure_logging, weak=False)


class WorkerRuntime:
    """One event loop and one container per worker process.

    Only the prefork and solo pools are supported: tasks of one process run one at a
    time, on the thread that made the loop.
    """

    def __init__(self) -> None:
        self._runner: asyncio.Runner | None = None
        self._container: Container | None = None
        self._thread: int | None = None

    def run(self, work: Callable[[Container], Coroutine[Any, Any, T]]) -> T:
        if self._thread is not None and self._thread != threading.get_ident():
            raise RuntimeError("run the worker with --pool=prefork (default) or --pool=solo")
        if self._runner is None:
            self._thread = threading.get_ident()
            self._runner = asyncio.Runner()
            self._container = Container()
            self._container.tracer_provider.override(providers.Object(tracer_provider))
            self._runner.run(self._start(self._container))
        assert self._container is not None
        return self._runner.run(work(self._container))

    @staticmethod
    async def _start(container: Container) -> None:
        # Beat sweeps the outbox here, so the container's own sweep loop stays off.
        container.settings.override(
            container.settings().model_copy(update={"outbox_sweep_interval_seconds": 0})
        )
        result = container.init_resources()
        if result is not None:
            await result

    def stop(self) -> None:
        if self._runner is None or self._container is None:
            return
        container, runner = self._container, self._runner
        self._container = self._runner = None
        self._thread = None

        async def shutdown() -> None:
            result = container.shutdown_resources()
            if result is not None:
                await result

        try:
            runner.run(shutdown())
        finally:
            runner.close()


runtime = WorkerRuntime()


def _new_process(**_: object) -> None:
    runtime.stop()  # nothing inherited from the parent is reused after a fork


def _process_ends(**_: object) -> None:
    runtime.stop()


worker_process_init.connect(_new_process, weak=False)
worker_process_shutdown.connect(_process_ends, weak=False)
worker_shutdown.connect(_process_ends, weak=False)


def retry_delay(retries: int) -> float:
    """Exponential backoff from 1 s to 60 s, with ±20 % jitter (never close to zero)."""
    return float(min(RETRY_DELAY_MAX, 2**retries)) * random.uniform(0.8, 1.2)  # noqa: S311


def handle_event(task: Any, event_type: str, payload: str) -> None:
    """Run every consumer of one domain event (idempotent: redelivery is harmless).

    A failure is retried with backoff. When the retries are spent the event goes back
    to the outbox as unsent, so the sweep publishes it again later: it is never dropped.
    """
    try:
        event = decode(event_type, payload)
    except ValueError:
        logger.error("event %s of unknown type %r dropped", task.request.id, event_type)
        count_task(HANDLE_EVENT, "dropped")
        return
    try:
        runtime.run(lambda container: container.event_dispatcher().dispatch(event))
    except Exception as error:
        if task.request.retries >= settings.celery_task_max_retries:
            logger.error(
                "event %s still failing after %d retries; back to the outbox",
                event.event_id,
                task.request.retries,
                exc_info=True,
            )
            runtime.run(lambda container: _put_back(container, event.event_id))
            count_task(HANDLE_EVENT, "returned_to_outbox")
            return
        count_task(HANDLE_EVENT, "retried")
        raise task.retry(exc=error, countdown=retry_delay(task.request.retries)) from error
    count_task(HANDLE_EVENT, "succeeded")


def sweep_outbox() -> int:
    """Publish outbox events left unsent (scheduled by beat)."""
    try:
        sent = runtime.run(lambda container: _sweep(container))
    except Exception:
        count_task(SWEEP_OUTBOX, "failed")
        raise
    count_task(SWEEP_OUTBOX, "succeeded")
    return sent


celery.task(name=HANDLE_EVENT, bind=True, max_retries=None)(handle_event)
celery.task(name=SWEEP_OUTBOX)(sweep_outbox)


async def _put_back(container: Container, event_id: str) -> None:
    relay = container.outbox_relay()
    if relay is not None:
        await relay.put_back(event_id)


async def _sweep(container: Container) -> int:
    relay = container.outbox_relay()
    return 0 if relay is None else await relay.sweep()
