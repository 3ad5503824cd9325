"""Events recorded with their change, and consumers that change nothing on redelivery."""

from __future__ import annotations

import pytest

from app.application.commands.posts import PostCommand, PostCommandService, PostPatch
from app.application.consumers.user_stats import UserStatsProjection
from app.application.consumers.welcome_mail import WelcomeMail
from app.domain.events import PostCreated, PostDeleted, UserRegistered
from app.domain.users import User
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

        handled = [await projection.on_post_event(created), await projection.on_post_event(created)]

        assert handled == [True, False]
        stats = database.tables.user_stats["ada"]
        assert (stats.post_count, stats.last_post_at) == (1, first.created_at)

    async def test_a_delete_lowers_the_count_and_moves_the_newest(
        self, posts: PostCommandService, database: FakeDatabase
    ) -> None:
        projection = UserStatsProjection(lambda: FakeWriteUnitOfWork(database))
        older = await posts.create_post(PostCommand(title="a", body="b"), author_id="ada")
        newer = await posts.create_post(PostCommand(title="b", body="b"), author_id="ada")
        await posts.delete_post(newer.id, user_id="ada")

        await projection.on_post_event(
            PostDeleted(occurred_at=T0, post_id=newer.id, author_id="ada")
        )

        stats = database.tables.user_stats["ada"]
        assert (stats.post_count, stats.last_post_at) == (1, older.created_at)


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
