"""Aggregates for contract tests, written through a write unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.application.ports.units_of_work import WriteUnitOfWork
from app.domain.comments import Comment
from app.domain.posts import Post
from app.domain.users import User

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def a_user(email: str = "ada@example.com", at: datetime = T0) -> User:
    return User.register(email=email, display_name="Ada", password_hash="hash", now=at)


def a_post(
    author: User,
    *,
    title: str = "A title",
    tags: list[str] | None = None,
    minutes: int = 0,
) -> Post:
    return Post.create(
        title=title,
        body="A body",
        tags=tags or [],
        author_id=author.id,
        now=T0 + timedelta(minutes=minutes),
    )


def a_comment(post: Post, author: User, *, body: str = "A comment", minutes: int = 0) -> Comment:
    return Comment.create(
        post_id=post.id, author_id=author.id, body=body, now=T0 + timedelta(minutes=minutes)
    )


async def saved(uow: WriteUnitOfWork, user: User, *posts: Post) -> None:
    async with uow:
        await uow.users.add(user)
        for post in posts:
            await uow.posts.add(post)
        await uow.commit()


async def commented(uow: WriteUnitOfWork, *comments: Comment) -> None:
    async with uow:
        for comment in comments:
            await uow.comments.add(comment)
        await uow.commit()
