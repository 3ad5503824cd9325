"""How read-side readers reach their (lazily opened) connection."""

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection

ConnectionSource = Callable[[], Awaitable[AsyncConnection]]
