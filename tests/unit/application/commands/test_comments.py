"""CommentCommandService, and the comments that deleting a post takes with it."""

from __future__ import annotations

import pytest

from app.application.commands.comments import CommentCommand, CommentCommandService
from app.application.commands.posts import PostCommand, PostCommandService
from app.domain.comments import Comment
from app.domain.errors import Forbidden, NotFound, Unauthorized
from app.domain.posts import Post
from tests.fakes.clock import T0, FakeClock
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeWriteUnitOfWork

MISSING = "00000000-0000-7000-8000-000000000000"


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase.with_users("ada", "bob", "cid")


@pytest.fixture
def comments(database: FakeDatabase, clock: FakeClock) -> CommentCommandService:
    return CommentCommandService(
        write_uow=lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS), clock=clock
    )


@pytest.fixture
def posts(database: FakeDatabase, clock: FakeClock) -> PostCommandService:
    return PostCommandService(
        write_uow=lambda: FakeWriteUnitOfWork(database, effects=NO_EFFECTS), clock=clock
    )


@pytest.fixture
async def post(posts: PostCommandService) -> Post:
    """A post by ada."""
    return await posts.create_post(PostCommand(title="T", body="B"), author_id="ada")


async def _comment(
    comments: CommentCommandService, post: Post, author_id: str = "bob", body: str = "Hi"
) -> Comment:
    return await comments.create_comment(post.id, CommentCommand(body=body), author_id=author_id)


def _outbox_types(database: FakeDatabase) -> list[str]:
    return [entry.kind for _, entry in sorted(database.tables.outbox.items())]


class TestCreateComment:
    async def test_the_comment_is_stored_for_its_post_and_author_at_the_clocks_time(
        self, comments: CommentCommandService, database: FakeDatabase, post: Post
    ) -> None:
        comment = await _comment(comments, post, body="Well said")

        stored = database.tables.comments[comment.id]
        assert (stored.post_id, stored.author_id, stored.body) == (post.id, "bob", "Well said")
        assert stored.created_at == T0
        assert _outbox_types(database)[-1] == "CommentCreated"

    @pytest.mark.parametrize("post_id", [MISSING, "not-an-id"])
    async def test_a_comment_on_a_missing_post_is_not_found(
        self, comments: CommentCommandService, database: FakeDatabase, post_id: str
    ) -> None:
        with pytest.raises(NotFound):
            await comments.create_comment(post_id, CommentCommand(body="Hi"), author_id="bob")

        assert database.tables.comments == {}

    async def test_an_author_who_no_longer_exists_is_unauthorized(
        self, comments: CommentCommandService, database: FakeDatabase, post: Post
    ) -> None:
        with pytest.raises(Unauthorized):
            await _comment(comments, post, author_id="ghost")

        assert database.tables.comments == {}


class TestDeleteComment:
    @pytest.mark.parametrize("user_id", ["bob", "ada"], ids=["its author", "the post's author"])
    async def test_the_comment_is_deleted_with_its_event(
        self,
        comments: CommentCommandService,
        database: FakeDatabase,
        post: Post,
        user_id: str,
    ) -> None:
        comment = await _comment(comments, post, author_id="bob")

        await comments.delete_comment(post.id, comment.id, user_id=user_id)

        assert database.tables.comments == {}
        assert _outbox_types(database)[-1] == "CommentDeleted"

    async def test_anyone_else_is_forbidden_and_nothing_changes(
        self, comments: CommentCommandService, database: FakeDatabase, post: Post
    ) -> None:
        comment = await _comment(comments, post, author_id="bob")

        with pytest.raises(Forbidden):
            await comments.delete_comment(post.id, comment.id, user_id="cid")

        assert list(database.tables.comments) == [comment.id]

    async def test_a_missing_comment_is_not_found(
        self, comments: CommentCommandService, post: Post
    ) -> None:
        for comment_id in (MISSING, "not-an-id"):
            with pytest.raises(NotFound):
                await comments.delete_comment(post.id, comment_id, user_id="ada")

    async def test_a_comment_named_under_another_post_is_not_found(
        self, comments: CommentCommandService, posts: PostCommandService, post: Post
    ) -> None:
        other = await posts.create_post(PostCommand(title="O", body="B"), author_id="bob")
        comment = await _comment(comments, post, author_id="bob")

        with pytest.raises(NotFound):
            await comments.delete_comment(other.id, comment.id, user_id="bob")

    async def test_a_comment_of_a_missing_post_is_not_found(
        self, comments: CommentCommandService
    ) -> None:
        with pytest.raises(NotFound):
            await comments.delete_comment(MISSING, MISSING, user_id="ada")


class TestDeletePostTakesItsComments:
    async def test_every_comment_goes_in_the_same_commit_each_with_its_event(
        self,
        comments: CommentCommandService,
        posts: PostCommandService,
        database: FakeDatabase,
        post: Post,
    ) -> None:
        for author_id in ("bob", "cid", "bob"):
            await _comment(comments, post, author_id=author_id)
        commits = database.commits

        await posts.delete_post(post.id, user_id="ada")

        assert database.tables.comments == {}
        assert database.commits == commits + 1
        assert _outbox_types(database)[-4:] == ["CommentDeleted"] * 3 + ["PostDeleted"]

    async def test_other_posts_keep_their_comments(
        self,
        comments: CommentCommandService,
        posts: PostCommandService,
        database: FakeDatabase,
        post: Post,
    ) -> None:
        other = await posts.create_post(PostCommand(title="O", body="B"), author_id="bob")
        kept = await _comment(comments, other)
        await _comment(comments, post)

        await posts.delete_post(post.id, user_id="ada")

        assert list(database.tables.comments) == [kept.id]

    async def test_a_refused_post_delete_keeps_the_comments(
        self,
        comments: CommentCommandService,
        posts: PostCommandService,
        database: FakeDatabase,
        post: Post,
    ) -> None:
        comment = await _comment(comments, post)

        with pytest.raises(Forbidden):
            await posts.delete_post(post.id, user_id="bob")

        assert list(database.tables.comments) == [comment.id]
