"""Names of what cached results depend on, shared by queries (which carry them) and
commands (which touch them)."""

from __future__ import annotations

from collections.abc import Iterable


def post(post_id: str) -> str:
    return f"post:{post_id}"


def user(user_id: str) -> str:
    return f"user:{user_id}"


def user_stats(user_id: str) -> str:
    return f"user_stats:{user_id}"


def all_posts() -> str:
    """Every list of posts: each post change touches it."""
    return "posts"


def posts_by_author(author_id: str) -> str:
    return f"posts:author:{author_id}"


def posts_by_tag(tag: str) -> str:
    return f"posts:tag:{tag}"


def post_list(*, author_id: str | None, tag: str | None) -> str:
    """The narrowest tag that every change to a list with these filters touches."""
    if author_id is not None:
        return posts_by_author(author_id)
    if tag is not None:
        return posts_by_tag(tag)
    return all_posts()


def post_change(post_id: str, author_id: str, tags: Iterable[str]) -> list[str]:
    """Everything a created, edited or deleted post may appear in (old and new tags)."""
    return [
        post(post_id),
        all_posts(),
        posts_by_author(author_id),
        *(posts_by_tag(tag) for tag in tags),
    ]
