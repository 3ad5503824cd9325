"""Events recorded with their change, and consumers that change nothing on redelivery."""

from __future__ import annotations

from typing import Any

import pytest

from app.application.commands.posts import PostCommand, PostCommandService, PostPatch
from app.application.consumers.dispatcher import EventDispatcher
from app.application.consumers.user_stats import UserStatsProjection
from app.application.consumers.welcome_mail import WelcomeMail
from app.domain.events import PostCreated, PostDeleted, UserRegistered
from app.domain.users import User
from tests.fakes.repositories import FakePostRepository
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeWriteUnitOfWork
from tests.unit.clock import T0, FakeClock


class RecordingMailer:
    def __init__(self, *, fail_first: int = 0) -> None:
        self.sent: list[tuple[str, str]] = []
        self._fail_first = fail_first

    async def send(self, *, to: str, subject: str, body: str) -> None:
        if self._fail_first:
            self._fail_first -= 1
            raise ConnectionError("mail server down")
        self.sent.append((to, subject))


@pytest.fixture
def database() -> FakeDatabase:
    database = FakeDatabase()
    ada = User(id="ada", email="ada@x.io", display_name="Ada", password_hash="h", created_at=T0)
    database.tables.users[ada.id] = ada
    return database


@pytest.fixture
def posts(database: FakeDatabase) -> PostCommandService:
    return PostCommandService(lambda: FakeWriteUnitOfWork(database), clock=FakeClock())


def _outbox_types(database: FakeDatabase) -> list[str]:
    entries = sorted(database.tables.outbox.values(), key=lambda entry: entry.event.event_id)
    return [type(entry.event).__name__ for entry in entries]


class TestEventsWithTheirChange:
    async def test_each_change_writes_its_event_in_the_same_commit(
        self, posts: PostCommandService, database: FakeDatabase
    ) -> None:
        post = await posts.create_post(PostCommand(title="t", body="b"), author_id="ada")
        await posts.patch_post(post.id, _patch("t2"), user_id="ada")
        await posts.delete_post(post.id, user_id="ada")

        assert _outbox_types(database) == ["PostCreated", "PostUpdated", "PostDeleted"]
        assert database.commits == 3

    async def test_a_failed_command_writes_no_event(
        self, posts: PostCommandService, database: FakeDatabase
    ) -> None:
        post = await posts.create_post(PostCommand(title="t", body="b"), author_id="ada")

        with pytest.raises(Exception):  # noqa: B017, PT011
            await posts.patch_post(post.id, _patch("t2"), user_id="ada", accepted_versions={7})

        assert _outbox_types(database) == ["PostCreated"]


def _patch(title: str) -> PostPatch:
    return PostPatch(title=title)


class TestUserStatsProjection:
    async def test_a_redelivered_event_changes_nothing(
        self, posts: PostCommandService, database: FakeDatabase
    ) -> None:
        projection = UserStatsProjection(lambda: FakeWriteUnitOfWork(database))
        first = await posts.create_post(PostCommand(title="a", body="b"), author_id="ada")
        created = PostCreated(occurred_at=T0, post_id=first.id, author_id="ada")

        handled = [
            await projection.on_post_events([created]),
            await projection.on_post_events([created]),
        ]

        assert handled == [1, 0]
        stats = database.tables.user_stats["ada"]
        assert (stats.post_count, stats.last_post_at) == (1, first.created_at)

    async def test_a_delete_lowers_the_count_and_moves_the_newest(
        self, posts: PostCommandService, database: FakeDatabase
    ) -> None:
        projection = UserStatsProjection(lambda: FakeWriteUnitOfWork(database))
        older = await posts.create_post(PostCommand(title="a", body="b"), author_id="ada")
        newer = await posts.create_post(PostCommand(title="b", body="b"), author_id="ada")
        await posts.delete_post(newer.id, user_id="ada")

        await projection.on_post_events(
            [PostDeleted(occurred_at=T0, post_id=newer.id, author_id="ada")]
        )

        stats = database.tables.user_stats["ada"]
        assert (stats.post_count, stats.last_post_at) == (1, older.created_at)

    async def test_a_batch_is_one_transaction_recounting_each_author_once(
        self, posts: PostCommandService, database: FakeDatabase, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        bob = User(id="bob", email="bob@x.io", display_name="Bob", password_hash="h", created_at=T0)
        database.tables.users[bob.id] = bob
        created = [
            await posts.create_post(PostCommand(title=str(n), body="b"), author_id=author)
            for n, author in enumerate(["ada", "bob", "ada", "ada"])
        ]
        events = [
            PostCreated(occurred_at=T0, post_id=post.id, author_id=post.author_id)
            for post in created
        ]
        projection = UserStatsProjection(lambda: FakeWriteUnitOfWork(database))
        await projection.on_post_events(events[:1])  # delivered before: only ada's first
        recounted = _count_calls(monkeypatch)
        commits = database.commits

        new = await projection.on_post_events(events)

        assert new == 3
        assert database.commits == commits + 1
        assert sorted(recounted) == ["ada", "bob"]
        counts = {
            author: database.tables.user_stats[author].post_count for author in ("ada", "bob")
        }
        assert counts == {"ada": 3, "bob": 1}

    async def test_an_author_whose_events_were_all_handled_is_not_recounted(
        self, posts: PostCommandService, database: FakeDatabase, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        post = await posts.create_post(PostCommand(title="a", body="b"), author_id="ada")
        event = PostCreated(occurred_at=T0, post_id=post.id, author_id="ada")
        projection = UserStatsProjection(lambda: FakeWriteUnitOfWork(database))
        await projection.on_post_events([event])
        recounted = _count_calls(monkeypatch)

        assert await projection.on_post_events([event, event]) == 0
        assert recounted == []


def _count_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The authors whose posts get counted from now on."""
    calls: list[str] = []
    real = FakePostRepository.author_stats

    async def author_stats(repository: FakePostRepository, author_id: str) -> Any:
        calls.append(author_id)
        return await real(repository, author_id)

    monkeypatch.setattr(FakePostRepository, "author_stats", author_stats)
    return calls


class TestDispatcher:
    async def test_a_batch_reports_what_was_handled_leaving_failures_out(
        self, posts: PostCommandService, database: FakeDatabase
    ) -> None:
        post = await posts.create_post(PostCommand(title="a", body="b"), author_id="ada")
        created = PostCreated(occurred_at=T0, post_id=post.id, author_id="ada")
        welcome = [
            UserRegistered(occurred_at=T0, user_id=f"u{n}", email=f"u{n}@x.io", display_name="U")
            for n in range(2)
        ]
        mailer = RecordingMailer(fail_first=1)
        dispatcher = EventDispatcher(
            UserStatsProjection(lambda: FakeWriteUnitOfWork(database)),
            WelcomeMail(lambda: FakeWriteUnitOfWork(database), mailer),
        )

        handled = await dispatcher.dispatch_many([welcome[0], created, welcome[1]])

        assert handled == [created.event_id, welcome[1].event_id]
        assert mailer.sent == [("u1@x.io", "Welcome")]
        assert database.tables.user_stats["ada"].post_count == 1

    async def test_a_failing_projection_leaves_every_post_event_of_the_batch_out(
        self, posts: PostCommandService, database: FakeDatabase
    ) -> None:
        post = await posts.create_post(PostCommand(title="a", body="b"), author_id="ada")
        events = [
            PostCreated(occurred_at=T0, post_id=post.id, author_id="ada"),
            UserRegistered(occurred_at=T0, user_id="u", email="u@x.io", display_name="U"),
        ]

        class Broken(UserStatsProjection):
            async def on_post_events(self, events: Any) -> int:
                raise ConnectionError("database gone")

        dispatcher = EventDispatcher(
            Broken(lambda: FakeWriteUnitOfWork(database)),
            WelcomeMail(lambda: FakeWriteUnitOfWork(database), RecordingMailer()),
        )

        assert await dispatcher.dispatch_many(events) == [events[1].event_id]
        assert "ada" not in database.tables.user_stats


class TestWelcomeMail:
    async def test_one_mail_however_often_the_event_arrives(self, database: FakeDatabase) -> None:
        mailer = RecordingMailer()
        welcome = WelcomeMail(lambda: FakeWriteUnitOfWork(database), mailer)
        event = UserRegistered(occurred_at=T0, user_id="u", email="u@x.io", display_name="U")

        for _ in range(3):
            await welcome.on_user_registered(event)

        assert mailer.sent == [("u@x.io", "Welcome")]

    async def test_a_mail_that_failed_is_sent_on_redelivery(self, database: FakeDatabase) -> None:
        mailer = RecordingMailer(fail_first=1)
        welcome = WelcomeMail(lambda: FakeWriteUnitOfWork(database), mailer)
        event = UserRegistered(occurred_at=T0, user_id="u", email="u@x.io", display_name="U")

        with pytest.raises(ConnectionError):
            await welcome.on_user_registered(event)
        await welcome.on_user_registered(event)

        assert mailer.sent == [("u@x.io", "Welcome")]
