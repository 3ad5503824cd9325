"""The app under test, served in-process: the entry point for HTTP-level tests.

    container = hermetic_container()
    container.mailer.override(providers.Object(RecordingMailer()))
    async with served(container) as api:
        response = await api.client.get("/health/live")

`hermetic_container` reads nothing from the machine (no environment variable, no
`.env`): config.yml's defaults, an in-memory SQLite database, cheap password hashing,
plus the settings given. Override any provider before `served`; `served` runs the app's
start-up and shutdown around the block and talks to it through httpx without a socket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from dependency_injector import providers
from fastapi import FastAPI

from app.infra.security.argon2_hasher import Argon2PasswordHasher
from app.infra.settings import Settings
from app.main import create_app
from containers import Container

IN_MEMORY = "sqlite+aiosqlite:///:memory:"


def hermetic_container(**settings: Any) -> Container:
    """A container on config.yml and these settings only. `gc_freeze` is off unless asked
    for, as a full collection at every app start would cost a test process dearly."""
    container = Container()
    values = {"app_profile": "test", "database_url": IN_MEMORY, "gc_freeze": False, **settings}
    container.settings.override(providers.Object(Settings.embedded(**values)))
    container.password_hasher.override(
        providers.Object(Argon2PasswordHasher(memory_kib=1024, time_cost=1, parallelism=1))
    )
    return container


@dataclass
class Api:
    client: httpx.AsyncClient
    container: Container
    app: FastAPI

    async def settled(self) -> None:
        """Wait until the events committed so far have been handed to their consumers."""
        relay = self.container.outbox_relay()
        if relay is not None:
            await relay.drain()


@asynccontextmanager
async def served(container: Container) -> AsyncIterator[Api]:
    app = create_app(container)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client=client, container=container, app=app)
