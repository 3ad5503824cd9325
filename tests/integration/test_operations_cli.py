"""`python -m app.operations`: operators list dead events and return them to the outbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import insert, select

from app.infra.db.tables import outbox
from tests.contract.builders import T0
from tests.databases import ScratchDatabase
from tests.e2e.servers import ROOT, environment

DEAD, ALIVE = "01890000-0000-7000-8000-0000000dead1", "01890000-0000-7000-8000-00000000a11e"


def _operations(database: ScratchDatabase, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own command, fixed arguments)
        [sys.executable, "-m", "app.operations", *arguments],
        cwd=ROOT,
        env=environment({"DATABASE_URL": database.url, "LOG_LEVEL": "WARNING"}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def _with_one_dead_event(database: ScratchDatabase) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(outbox),
            [
                {
                    "id": DEAD,
                    "type": "UserRegistered",
                    "payload": "{}",
                    "occurred_at": T0,
                    "attempts": 20,
                    "dead_at": T0,
                },
                {
                    "id": ALIVE,
                    "type": "UserRegistered",
                    "payload": "{}",
                    "occurred_at": T0,
                    "attempts": 0,
                    "dead_at": None,
                },
            ],
        )


class TestDeadEvents:
    async def test_dead_events_are_listed_and_returned_to_the_outbox(
        self, fresh_database: ScratchDatabase, tmp_path: Path
    ) -> None:
        await _with_one_dead_event(fresh_database)

        listed = _operations(fresh_database, "dead-events")
        returned = _operations(fresh_database, "return-events", DEAD)
        after = _operations(fresh_database, "dead-events")

        assert listed.returncode == 0, listed.stderr
        [line] = listed.stdout.splitlines()
        assert line.startswith(f"{DEAD}\tUserRegistered\t")
        assert "attempts=20" in line
        assert returned.returncode == 0, returned.stderr
        assert returned.stdout.strip() == "returned 1 of 1 to the outbox"
        assert after.stdout == ""
        async with fresh_database.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(outbox.c.attempts, outbox.c.dead_at, outbox.c.sent_at).where(
                        outbox.c.id == DEAD
                    )
                )
            ).one()
        assert tuple(row) == (0, None, None)

    async def test_returning_an_event_that_is_not_dead_says_so(
        self, fresh_database: ScratchDatabase
    ) -> None:
        await _with_one_dead_event(fresh_database)

        result = _operations(fresh_database, "return-events", ALIVE)

        assert result.returncode == 1
        assert result.stdout.strip() == "returned 0 of 1 to the outbox"
