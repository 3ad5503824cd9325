"""The ASGI entry point: `uvicorn app.main:app`."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from containers import Container


def create_app(container: Container | None = None) -> FastAPI:
    from app.interface.application import build_api

    container = container or Container()
    logging.basicConfig(level=container.settings().log_level)
    return build_api(container)


app = create_app()
