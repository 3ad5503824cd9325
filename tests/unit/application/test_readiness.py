"""What the probes' answers add up to: ok, degraded without a non-essential component,
down without an essential one."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from app.application.ports.health import ReadinessProbes

DEADLINE = 0.05


@dataclass
class FakeProbe:
    name: str
    essential: bool
    answers: bool = True
    hangs: bool = False

    async def check(self) -> None:
        if self.hangs:
            await asyncio.Event().wait()
        if not self.answers:
            raise ConnectionError(f"{self.name} does not answer")


def _database(answers: bool = True) -> FakeProbe:
    return FakeProbe("database", essential=True, answers=answers)


def _cache(answers: bool = True, hangs: bool = False) -> FakeProbe:
    return FakeProbe("cache", essential=False, answers=answers, hangs=hangs)


class TestReadiness:
    async def test_every_component_answering_is_ok(self) -> None:
        readiness = await ReadinessProbes([_database(), _cache()]).check(DEADLINE)

        assert readiness.status == "ok"
        assert readiness.components == {"database": "ok", "cache": "ok"}
        assert readiness.down == []

    async def test_a_non_essential_component_down_is_degraded(self) -> None:
        readiness = await ReadinessProbes([_database(), _cache(answers=False)]).check(DEADLINE)

        assert readiness.status == "degraded"
        assert readiness.components == {"database": "ok", "cache": "down"}

    async def test_an_essential_component_down_is_down_whatever_the_others(self) -> None:
        probes = ReadinessProbes([_database(answers=False), _cache(answers=False)])

        readiness = await probes.check(DEADLINE)

        assert readiness.status == "down"
        assert readiness.down == ["database", "cache"]

    async def test_a_probe_that_does_not_answer_by_the_deadline_counts_as_down(self) -> None:
        started = time.monotonic()

        readiness = await ReadinessProbes([_database(), _cache(hangs=True)]).check(DEADLINE)

        assert time.monotonic() - started < 1
        assert readiness.status == "degraded"
        assert readiness.components == {"database": "ok", "cache": "down"}
