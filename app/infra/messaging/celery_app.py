"""Building the Celery application from the settings."""

from __future__ import annotations

from celery import Celery

from app.infra.settings import Settings

DEFAULT_BROKER = "amqp://guest:guest@localhost:5672//"
HANDLE_EVENT = "events.handle"
SWEEP_OUTBOX = "outbox.sweep"


def create_celery(settings: Settings) -> Celery:
    broker = settings.celery_broker_url.get_secret_value() or DEFAULT_BROKER
    backend = settings.celery_backend_url.get_secret_value() or None
    celery = Celery("posts", broker=broker, backend=backend, set_as_current=False)
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.celery_queue,
        task_routes={"*": {"queue": settings.celery_queue}},
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        # The broker confirms each message: a publish into a dead connection fails
        # instead of counting as sent (the outbox row stays for the sweep).
        broker_transport_options={"confirm_publish": True},
        worker_hijack_root_logger=False,
        beat_schedule={
            "sweep-outbox": {
                "task": SWEEP_OUTBOX,
                "schedule": max(settings.outbox_sweep_interval_seconds, 1.0),
                # Sweeps that no worker took in time are worthless: do not pile them up.
                "options": {"expires": max(settings.outbox_sweep_interval_seconds, 1.0)},
            }
        },
    )
    return celery
