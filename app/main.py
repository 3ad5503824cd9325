"""The ASGI entry point: `uvicorn app.main:app`."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from containers import Container

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def create_app(container: Container | None = None) -> FastAPI:
    from app.interface.application import build_api
    from app.interface.middleware import RequestIdLogFilter

    container = container or Container()
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=container.settings().log_level, handlers=[handler])
    settings = container.settings()
    return build_api(container, opentelemetry=settings.opentelemetry, freeze_gc=settings.gc_freeze)


app = create_app()
