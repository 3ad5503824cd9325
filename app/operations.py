"""Operators' commands, beside the API's and the worker's entry points.

    python -m app.operations dead-events [--limit N]   the events whose consumers kept failing
    python -m app.operations return-events ID [ID ...]  deliver those events again

Dead events are never deleted by the service: once the cause is fixed, return them and
the relay delivers them like new ones (their attempts start over). The commands use the
same settings as the API (config.yml, the environment, `.env`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from containers import Container


async def _dead_events(container: Container, limit: int) -> int:
    async with container.write_uow() as uow:
        dead = await uow.outbox.dead(limit=limit)
    for event in dead:
        print(
            event.id,
            event.type,
            event.occurred_at.isoformat(),
            f"attempts={event.attempts}",
            f"dead_at={event.dead_at.isoformat()}",
            sep="\t",
        )
    return 0


async def _return_events(container: Container, event_ids: Sequence[str]) -> int:
    async with container.write_uow() as uow:
        returned = await uow.outbox.revive(list(event_ids))
        await uow.commit()
    print(f"returned {returned} of {len(event_ids)} to the outbox")
    return 0 if returned == len(event_ids) else 1


async def _run(arguments: argparse.Namespace) -> int:
    container = Container()
    try:
        if arguments.command == "dead-events":
            return await _dead_events(container, arguments.limit)
        return await _return_events(container, arguments.event_ids)
    finally:
        await container.write_engine().dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.operations", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("dead-events", help="list dead events, first dead first")
    listing.add_argument("--limit", type=int, default=100)
    returning = commands.add_parser("return-events", help="deliver dead events again")
    returning.add_argument("event_ids", nargs="+", metavar="ID")
    return asyncio.run(_run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
