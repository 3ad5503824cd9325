"""Events recorded with their change, and consumers that change nothing on redelivery."""

from __future__ import annotations

from typing import Any

import pytest

from app.application.commands.posts import PostCommand, PostCommandService, PostPatch
from app.application.consumers.dispatcher import EventDispatcher, service_events
from app.application.consumers.subscriptions import subscriptions
from app.application.consumers.user_stats import UserStatsProjection
from app.application.consumers.welcome_mail import WelcomeMail
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.domain.events import PostCreated, PostDeleted, PostUpdated, UserRegistered
from app.domain.users import User
from tests.fakes.clock import T0, FakeClock
from tests.fakes.mailer import RecordingMailer
from tests.fakes.repositories import FakePostRepository
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeWriteUnitOfWork


@pytest.fixture
def database() -> FakeDatabase:
    database = FakeDatabase()
    ada = User(id="ada", email="ada@x.io", display_name="Ada", password_hash="h", created_at=T0)
    database.tables.users[ada.id] = ada
    return database


@pytest.fixture
def posts(database: FakeDatabase) -> PostCommandService:
    return PostCommandService(
        lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS), clock=FakeClock()
    )


def _units(database: FakeDatabase) -> WriteUnitOfWorkFactory:
    return lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS)


def _outbox_types(database: FakeDatabase) -> list[str]:
    return [entry.kind for _, entry in sorted(database.tables.outbox.items())]


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
        projection = UserStatsProjection(lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS))
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
        projection = UserStatsProjection(lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS))
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
        projection = UserStatsProjection(lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS))
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
        projection = UserStatsProjection(lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS))
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
        mailer = RecordingMailer(refuse="u0@x.io")
        dispatcher = EventDispatcher(
            subscriptions(
                user_stats=UserStatsProjection(_units(database)),
                welcome_mail=WelcomeMail(_units(database), mailer),
            )
        )

        handled = await dispatcher.dispatch_many([welcome[0], created, welcome[1]])

        assert handled == [created.event_id, welcome[1].event_id]
        assert [(mail.to, mail.subject) for mail in mailer.sent] == [("u1@x.io", "Welcome")]
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
            subscriptions(
                user_stats=Broken(_units(database)),
                welcome_mail=WelcomeMail(_units(database), RecordingMailer()),
            )
        )

        assert await dispatcher.dispatch_many(events) == [events[1].event_id]
        assert "ada" not in database.tables.user_stats


class TestWelcomeMail:
    async def test_one_mail_however_often_the_event_arrives(self, database: FakeDatabase) -> None:
        mailer = RecordingMailer()
        welcome = WelcomeMail(lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS), mailer)
        event = UserRegistered(occurred_at=T0, user_id="u", email="u@x.io", display_name="U")

        for _ in range(3):
            await welcome.on_user_registered([event])

        assert [(mail.to, mail.subject) for mail in mailer.sent] == [("u@x.io", "Welcome")]

    async def test_a_mail_that_failed_is_sent_on_redelivery(self, database: FakeDatabase) -> None:
        mailer = RecordingMailer(fail_first=1)
        welcome = WelcomeMail(lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS), mailer)
        event = UserRegistered(occurred_at=T0, user_id="u", email="u@x.io", display_name="U")

        with pytest.raises(ConnectionError):
            await welcome.on_user_registered([event])
        await welcome.on_user_registered([event])

        assert [(mail.to, mail.subject) for mail in mailer.sent] == [("u@x.io", "Welcome")]


class TestConsumerMap:
    def test_an_event_type_missing_from_the_map_is_refused_when_the_dispatcher_is_built(
        self,
    ) -> None:
        with pytest.raises(LookupError, match="PostUpdated"):
            EventDispatcher({PostCreated: []}, known=[PostCreated, PostUpdated])

    def test_every_event_of_the_service_has_a_line_in_the_map(self, database: FakeDatabase) -> None:
        consumers = subscriptions(
            user_stats=UserStatsProjection(_units(database)),
            welcome_mail=WelcomeMail(_units(database), RecordingMailer()),
        )

        assert set(consumers) == set(service_events())

    async def test_a_consumer_gets_its_events_of_a_batch_in_one_call(self) -> None:
        calls: list[list[str]] = []

        async def consume(events: Any) -> None:
            calls.append([event.event_id for event in events])

        events = [PostCreated(occurred_at=T0, post_id=f"p{n}", author_id="ada") for n in range(3)]
        dispatcher = EventDispatcher({PostCreated: [consume]}, known=[PostCreated])

        handled = await dispatcher.dispatch_many(events)

        assert calls == [[event.event_id for event in events]]
        assert handled == [event.event_id for event in events]
