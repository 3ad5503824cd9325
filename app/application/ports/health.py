"""Readiness: each backing component the service cannot work without."""

from __future__ import annotations

from typing import Protocol


class ComponentProbe(Protocol):
    @property
    def name(self) -> str: ...

    async def check(self) -> None:
        """Return when the component answers; raise when it does not."""
        ...


class ReadinessProbes(tuple[ComponentProbe, ...]):
    """The probes `GET /health/ready` runs: every component the service cannot work without."""

    __slots__ = ()
