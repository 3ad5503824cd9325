"""The user stats projection on comment events: each author's current comments, counted
again from storage, whatever the order or repetition of deliveries."""

from __future__ import annotations

import pytest

from app.application.commands.comments import CommentCommand, CommentCommandService
from app.application.commands.posts import PostCommand, PostCommandService
from app.application.consumers.dispatcher import EventDispatcher
from app.application.consumers.subscriptions import subscriptions
from app.application.consumers.user_stats import UserStatsProjection
from app.application.consumers.welcome_mail import WelcomeMail
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.domain.comments import CommentCreated, CommentDeleted
from app.domain.events import (
    DomainEvent,
    PostCreated,
    PostDeleted,
)
from app.infra.messaging.event_codec import decode
from tests.fakes.clock import FakeClock
from tests.fakes.mailer import RecordingMailer
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeWriteUnitOfWork


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase.with_users("ada", "bob")


def _units(database: FakeDatabase) -> WriteUnitOfWorkFactory:
    return lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS)


@pytest.fixture
def posts(database: FakeDatabase) -> PostCommandService:
    return PostCommandService(_units(database), clock=FakeClock())


@pytest.fixture
def comments(database: FakeDatabase) -> CommentCommandService:
    return CommentCommandService(_units(database), clock=FakeClock())


@pytest.fixture
def projection(database: FakeDatabase) -> UserStatsProjection:
    return UserStatsProjection(_units(database))


def _committed(database: FakeDatabase) -> list[DomainEvent]:
    """The events committed so far, in the order they were written."""
    return [decode(e.kind, e.payload) for _, e in sorted(database.tables.outbox.items())]


def _comment_events(database: FakeDatabase) -> list[CommentCreated | CommentDeleted]:
    return [e for e in _committed(database) if isinstance(e, CommentCreated | CommentDeleted)]


def _post_events(database: FakeDatabase) -> list[PostCreated | PostDeleted]:
    return [e for e in _committed(database) if isinstance(e, PostCreated | PostDeleted)]


def _counts(database: FakeDatabase) -> dict[str, int]:
    return {user: stats.comment_count for user, stats in database.tables.user_stats.items()}


class TestCommentCounts:
    async def test_creates_and_deletes_count_each_authors_current_comments(
        self,
        posts: PostCommandService,
        comments: CommentCommandService,
        projection: UserStatsProjection,
        database: FakeDatabase,
    ) -> None:
        post = await posts.create_post(PostCommand(title="T", body="B"), author_id="ada")
        written = [
            await comments.create_comment(post.id, CommentCommand(body="c"), author_id=author)
            for author in ("ada", "bob", "bob")
        ]
        await comments.delete_comment(post.id, written[1].id, user_id="bob")

        handled = await projection.on_comment_events(_comment_events(database))

        assert handled == 4
        assert _counts(database) == {"ada": 1, "bob": 1}

    async def test_a_redelivered_event_changes_nothing(
        self,
        posts: PostCommandService,
        comments: CommentCommandService,
        projection: UserStatsProjection,
        database: FakeDatabase,
    ) -> None:
        post = await posts.create_post(PostCommand(title="T", body="B"), author_id="ada")
        await comments.create_comment(post.id, CommentCommand(body="c"), author_id="bob")
        (created,) = _comment_events(database)

        handled = [
            await projection.on_comment_events([created]),
            await projection.on_comment_events([created]),
        ]

        assert handled == [1, 0]
        assert _counts(database) == {"bob": 1}

    async def test_a_deleted_post_lowers_its_commenters_counts(
        self,
        posts: PostCommandService,
        comments: CommentCommandService,
        projection: UserStatsProjection,
        database: FakeDatabase,
    ) -> None:
        post = await posts.create_post(PostCommand(title="T", body="B"), author_id="ada")
        kept = await posts.create_post(PostCommand(title="K", body="B"), author_id="ada")
        for target in (post, post, kept):
            await comments.create_comment(target.id, CommentCommand(body="c"), author_id="bob")
        await projection.on_comment_events(_comment_events(database))

        await posts.delete_post(post.id, user_id="ada")
        await projection.on_comment_events(_comment_events(database))

        assert _counts(database) == {"bob": 1}

    async def test_comment_counts_leave_the_post_stats_as_they_are(
        self,
        posts: PostCommandService,
        comments: CommentCommandService,
        projection: UserStatsProjection,
        database: FakeDatabase,
    ) -> None:
        post = await posts.create_post(PostCommand(title="T", body="B"), author_id="ada")
        await projection.on_post_events(_post_events(database))
        await comments.create_comment(post.id, CommentCommand(body="c"), author_id="ada")

        await projection.on_comment_events(_comment_events(database))

        stats = database.tables.user_stats["ada"]
        assert (stats.post_count, stats.last_post_at, stats.comment_count) == (
            1,
            post.created_at,
            1,
        )


class TestCommentEventsInTheConsumerMap:
    def test_comment_events_go_to_the_user_stats_projection(self, database: FakeDatabase) -> None:
        projection = UserStatsProjection(_units(database))
        consumers = subscriptions(
            user_stats=projection, welcome_mail=WelcomeMail(_units(database), RecordingMailer())
        )

        assert consumers[CommentCreated] == [projection.on_comment_events]
        assert consumers[CommentDeleted] == [projection.on_comment_events]

    async def test_the_dispatcher_brings_the_counts_up_to_date(
        self,
        posts: PostCommandService,
        comments: CommentCommandService,
        database: FakeDatabase,
    ) -> None:
        post = await posts.create_post(PostCommand(title="T", body="B"), author_id="ada")
        await comments.create_comment(post.id, CommentCommand(body="c"), author_id="bob")
        dispatcher = EventDispatcher(
            subscriptions(
                user_stats=UserStatsProjection(_units(database)),
                welcome_mail=WelcomeMail(_units(database), RecordingMailer()),
            )
        )
        events = _comment_events(database)

        handled = await dispatcher.dispatch_many(events)

        assert handled == [event.event_id for event in events]
        assert _counts(database) == {"bob": 1}
