"""Readiness: each backing component, whether the service can work without it, and
what their answers add up to."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Literal, Protocol

logger = logging.getLogger(__name__)

ComponentState = Literal["ok", "down"]
ReadinessStatus = Literal["ok", "degraded", "down"]


class ComponentProbe(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def essential(self) -> bool:
        """Without an essential component (a database) the service cannot answer; without
        the others it answers worse (no cache, events waiting in the outbox)."""
        ...

    async def check(self) -> None:
        """Return when the component answers; raise when it does not."""
        ...


@dataclass(frozen=True)
class Readiness:
    status: ReadinessStatus
    components: dict[str, ComponentState]

    @property
    def down(self) -> list[str]:
        return [name for name, state in self.components.items() if state == "down"]


class ReadinessProbes(tuple[ComponentProbe, ...]):
    """The probes `GET /health/ready` runs: every component the service uses."""

    __slots__ = ()

    async def check(self, deadline_seconds: float) -> Readiness:
        """All probes at once, each given `deadline_seconds`: a probe that has not
        answered by then counts as down, so no component can hold the answer up."""
        states = await asyncio.gather(*(_state(probe, deadline_seconds) for probe in self))
        components = {probe.name: state for probe, state in zip(self, states, strict=True)}
        return Readiness(_status(self, states), components)


def _status(probes: ReadinessProbes, states: list[ComponentState]) -> ReadinessStatus:
    down = [probe for probe, state in zip(probes, states, strict=True) if state == "down"]
    if any(probe.essential for probe in down):
        return "down"
    return "degraded" if down else "ok"


async def _state(probe: ComponentProbe, deadline_seconds: float) -> ComponentState:
    try:
        await asyncio.wait_for(probe.check(), deadline_seconds)
    except Exception:
        logger.warning("readiness probe %s failed", probe.name, exc_info=True)
        return "down"
    return "ok"
