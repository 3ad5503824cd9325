"""The ASGI entry point: `uvicorn app.main:app` (or gunicorn with `gunicorn.conf.py`).

`app` is built from the settings when a server first asks for it, not when this module
is imported: importing `create_app` (as tests do) reads no setting and builds nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from containers import Container


def create_app(container: Container | None = None) -> FastAPI:
    from app.infra.logs import configure_logging, uses_json
    from app.infra.tracing import use_globally
    from app.interface.application import build_api
    from app.interface.middleware import RequestIdLogFilter

    container = container or Container()
    settings = container.settings()
    tracer_provider = container.tracer_provider()
    use_globally(tracer_provider)
    configure_logging(
        level=settings.log_level,
        json_lines=uses_json(settings.log_format, settings.app_profile),
        filters=[RequestIdLogFilter()],
        traced=tracer_provider is not None,
    )
    return build_api(
        container,
        opentelemetry=settings.opentelemetry,
        freeze_gc=settings.gc_freeze,
        max_body_bytes=settings.max_request_body_bytes,
        max_url_bytes=settings.max_url_bytes,
        max_header_bytes=settings.max_header_bytes,
        cors_allowed_origins=settings.cors_allowed_origins,
        tracer_provider=tracer_provider,
    )


def __getattr__(name: str) -> Any:
    if name == "app":
        try:
            built = create_app()
        except AttributeError as error:  # would read as "no attribute app" to the server
            raise RuntimeError("building the app of app.main failed") from error
        globals()["app"] = built  # later look-ups find it without coming here
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
