"""Handler scopes across tasks, spoiled scopes and retries on contention."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest

from app.application.handlers import (
    COMMAND_ATTEMPTS,
    RETRY_BASE_DELAY_SECONDS,
    CommandService,
    QueryService,
    SpoiledUnitOfWork,
    command_handler,
    query_handler,
)
from app.domain.errors import Contention, StaleConnection
from app.domain.posts import Post
from tests.fakes.clock import T0
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeReadUnitOfWork, FakeWriteUnitOfWork


def a_post(title: str) -> Post:
    return Post.create(title=title, body="Body", tags=[], author_id="ada", now=T0)


class Imports(CommandService):
    """A test-only command service that fans out, swallows failures and meets contention."""

    def __init__(self, database: FakeDatabase, *, contended_attempts: int = 0) -> None:
        super().__init__(lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS))
        self.attempts = 0
        self._contended_attempts = contended_attempts

    @command_handler
    async def add(self, post: Post) -> None:
        await self.uow.posts.add(post)

    @command_handler
    async def refuse(self, post: Post) -> None:
        await self.uow.posts.add(post)
        raise ValueError("refused")

    @command_handler
    async def add_in_child_tasks(self, *posts: Post) -> None:
        await asyncio.gather(*(self.add(post) for post in posts))
        await self.uow.posts.get(posts[0].id)

    @command_handler
    async def add_and_swallow_a_refusal(self, kept: Post, refused: Post) -> None:
        await self.add(kept)
        with contextlib.suppress(ValueError):
            await self.refuse(refused)

    @command_handler
    async def add_under_contention(self, post: Post) -> None:
        self.attempts += 1
        await self.uow.posts.add(post)
        if self.attempts <= self._contended_attempts:
            raise Contention("deadlock")


class TestChildTasks:
    async def test_handlers_in_child_tasks_open_scopes_of_their_own(self) -> None:
        database = FakeDatabase.with_users("ada")
        posts = [a_post(f"p{n}") for n in range(3)]

        await Imports(database).add_in_child_tasks(*posts)

        assert set(database.tables.posts) == {post.id for post in posts}
        assert database.commits == 4

    async def test_a_child_task_cannot_reach_its_parents_unit_of_work(self) -> None:
        errors: list[BaseException] = []

        class Parent(Imports):
            @command_handler
            async def peek_from_a_child(self) -> None:
                async def child() -> None:
                    try:
                        self.uow  # noqa: B018
                    except RuntimeError as error:
                        errors.append(error)

                await asyncio.create_task(child())

        await Parent(FakeDatabase.with_users("ada")).peek_from_a_child()

        assert len(errors) == 1


class TestSpoiledScope:
    async def test_a_swallowed_nested_failure_commits_nothing(self) -> None:
        database = FakeDatabase.with_users("ada")

        with pytest.raises(SpoiledUnitOfWork):
            await Imports(database).add_and_swallow_a_refusal(a_post("kept"), a_post("refused"))

        assert database.tables.posts == {}
        assert database.commits == 0

    async def test_a_cancelled_nested_command_spoils_the_scope_too(self) -> None:
        class Cancelling(Imports):
            @command_handler
            async def cancelled(self, post: Post) -> None:
                await self.uow.posts.add(post)
                raise asyncio.CancelledError

            @command_handler
            async def add_and_swallow_a_cancellation(self, kept: Post, cancelled: Post) -> None:
                await self.add(kept)
                with contextlib.suppress(asyncio.CancelledError):
                    await self.cancelled(cancelled)

        database = FakeDatabase.with_users("ada")

        with pytest.raises(SpoiledUnitOfWork, match="nested command failed"):
            await Cancelling(database).add_and_swallow_a_cancellation(
                a_post("kept"), a_post("cancelled")
            )

        assert database.tables.posts == {}
        assert database.commits == 0


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff sleeps of the command handler, recorded instead of slept."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("app.application.handlers.asyncio.sleep", sleep)
    return slept


class TestContention:
    async def test_a_contended_command_runs_again_and_commits_once(self) -> None:
        database = FakeDatabase.with_users("ada")
        service = Imports(database, contended_attempts=COMMAND_ATTEMPTS - 1)
        post = a_post("eventually")

        await service.add_under_contention(post)

        assert service.attempts == COMMAND_ATTEMPTS
        assert list(database.tables.posts) == [post.id]
        assert database.commits == 1

    async def test_contention_on_every_attempt_gives_up(self) -> None:
        database = FakeDatabase.with_users("ada")
        service = Imports(database, contended_attempts=COMMAND_ATTEMPTS)

        with pytest.raises(Contention):
            await service.add_under_contention(a_post("never"))

        assert service.attempts == COMMAND_ATTEMPTS
        assert database.commits == 0

    async def test_the_wait_before_each_new_attempt_doubles(
        self, waits: list[float], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("app.application.handlers.random.uniform", lambda low, high: 1.0)
        service = Imports(FakeDatabase.with_users("ada"), contended_attempts=COMMAND_ATTEMPTS)

        with pytest.raises(Contention):
            await service.add_under_contention(a_post("never"))

        assert waits == pytest.approx([RETRY_BASE_DELAY_SECONDS * 2, RETRY_BASE_DELAY_SECONDS * 4])

    @pytest.mark.parametrize(
        ("jitter", "factor"),
        [(lambda low, high: low, 0.5), (lambda low, high: high, 1.5)],
        ids=["shortest", "longest"],
    )
    async def test_each_wait_is_jittered_between_half_and_one_and_a_half_times_its_delay(
        self,
        waits: list[float],
        monkeypatch: pytest.MonkeyPatch,
        jitter: Callable[[float, float], float],
        factor: float,
    ) -> None:
        monkeypatch.setattr("app.application.handlers.random.uniform", jitter)
        service = Imports(FakeDatabase.with_users("ada"), contended_attempts=1)

        await service.add_under_contention(a_post("eventually"))

        assert waits == pytest.approx([RETRY_BASE_DELAY_SECONDS * 2 * factor])


class Flaky(QueryService):
    """Reads that find a dead pooled connection the first `stale` times."""

    def __init__(self, database: FakeDatabase, *, stale: int) -> None:
        super().__init__(lambda: FakeReadUnitOfWork(database))
        self.stale = stale
        self.scopes: list[object] = []

    @query_handler
    async def count(self) -> int:
        self.scopes.append(self.uow)
        if self.stale:
            self.stale -= 1
            raise StaleConnection("the connection was lost")
        return await self.nested()

    @query_handler
    async def nested(self) -> int:
        return 7


class TestStaleConnection:
    async def test_a_read_on_a_dead_connection_runs_once_more_in_a_new_scope(self) -> None:
        service = Flaky(FakeDatabase(), stale=1)

        assert await service.count() == 7
        assert len(service.scopes) == 2
        assert service.scopes[0] is not service.scopes[1]

    async def test_a_second_dead_connection_is_reported(self) -> None:
        service = Flaky(FakeDatabase(), stale=2)

        with pytest.raises(StaleConnection):
            await service.count()
        assert len(service.scopes) == 2


class LosesCommit(FakeWriteUnitOfWork):
    """A write unit of work whose connection dies while its COMMIT is on the way."""

    async def _commit_transaction(self) -> None:
        raise StaleConnection("the connection was lost during COMMIT")


class Writes(CommandService):
    """Commands that find a dead pooled connection the first `stale` times, before
    COMMIT, and meet contention the `contended` times after that."""

    def __init__(
        self,
        database: FakeDatabase,
        *,
        stale: int = 0,
        contended: int = 0,
        commit_lost: bool = False,
    ) -> None:
        unit = LosesCommit if commit_lost else FakeWriteUnitOfWork
        super().__init__(lambda: unit(database, effects=NO_EFFECTS))
        self.stale = stale
        self.contended = contended
        self.runs = 0

    @command_handler
    async def add(self, post: Post) -> str:
        self.runs += 1
        await self.uow.posts.add(post)
        if self.stale:
            self.stale -= 1
            raise StaleConnection("the connection was lost")
        if self.contended:
            self.contended -= 1
            raise Contention("deadlock")
        return post.id


class TestStaleWriteConnection:
    async def test_a_command_on_a_dead_connection_runs_once_more_and_commits_once(self) -> None:
        database = FakeDatabase.with_users("ada")
        post = a_post("again")

        assert await Writes(database, stale=1).add(post) == post.id
        assert set(database.tables.posts) == {post.id}
        assert database.commits == 1

    async def test_a_second_dead_connection_is_reported(self) -> None:
        database = FakeDatabase.with_users("ada")
        service = Writes(database, stale=2)

        with pytest.raises(StaleConnection, match="the connection was lost"):
            await service.add(a_post("lost"))
        assert service.runs == 2
        assert database.tables.posts == {}

    async def test_a_connection_lost_during_commit_is_reported_without_running_again(
        self,
    ) -> None:
        database = FakeDatabase.with_users("ada")
        service = Writes(database, commit_lost=True)

        with pytest.raises(StaleConnection, match="during COMMIT"):
            await service.add(a_post("maybe"))
        assert service.runs == 1

    async def test_the_reconnection_leaves_every_contention_attempt(
        self, waits: list[float]
    ) -> None:
        database = FakeDatabase.with_users("ada")
        service = Writes(database, stale=1, contended=COMMAND_ATTEMPTS - 1)

        post = a_post("eventually")
        assert await service.add(post) == post.id
        assert service.runs == COMMAND_ATTEMPTS + 1
        assert len(waits) == COMMAND_ATTEMPTS - 1
