"""A real deadlock on MariaDB: the victim's command is run again and both land."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.application.handlers import CommandService, command_handler
from app.infra.db.units_of_work import SqlWriteUnitOfWork
from tests.contract.builders import T0, a_post, a_user, saved
from tests.databases import ScratchDatabase, create_mariadb_database, drop_database
from tests.fakes.units_of_work import NO_EFFECTS

pytestmark = pytest.mark.mariadb


class CrossEditor(CommandService):
    """Edits two posts in a given order, pausing after the first lock on its first try."""

    def __init__(self, database: ScratchDatabase) -> None:
        sessions = async_sessionmaker(bind=database.engine, expire_on_commit=False)
        super().__init__(lambda: SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS))
        self.attempts = 0

    @command_handler
    async def edit_both(
        self, first_id: str, second_id: str, mine: asyncio.Event, theirs: asyncio.Event
    ) -> None:
        self.attempts += 1
        first = await self.uow.posts.get(first_id)
        assert first is not None
        mine.set()
        await asyncio.wait_for(theirs.wait(), timeout=10)
        second = await self.uow.posts.get(second_id)
        assert second is not None
        for post in (first, second):
            previous = post.version
            post.edit(now=T0, title=f"{post.title}+")
            await self.uow.posts.update(post, previous_version=previous)


class TestDeadlock:
    async def test_both_crossing_commands_land(self) -> None:
        database = await create_mariadb_database()
        try:
            author = a_user()
            a, b = a_post(author, title="a"), a_post(author, title="b")
            sessions = async_sessionmaker(bind=database.engine, expire_on_commit=False)
            await saved(SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS), author, a, b)
            first, second = CrossEditor(database), CrossEditor(database)
            a_locked, b_locked = asyncio.Event(), asyncio.Event()

            await asyncio.gather(
                first.edit_both(a.id, b.id, a_locked, b_locked),
                second.edit_both(b.id, a.id, b_locked, a_locked),
            )

            async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
                stored = [await uow.posts.get(a.id), await uow.posts.get(b.id)]
            assert [(post.title, post.version) for post in stored if post] == [
                ("a++", 3),
                ("b++", 3),
            ]
            assert sorted([first.attempts, second.attempts]) == [1, 2]
        finally:
            await drop_database(database)
