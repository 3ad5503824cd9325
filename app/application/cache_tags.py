"""Names of what cached results depend on, and which events make them stale.

Queries carry tags (`@cached(tags=...)`); the write unit of work derives the tags a
commit invalidates from the domain events it commits, through the rules below, so a
command cannot forget to invalidate what it changed. Every domain event has at least
one rule (an empty one when nothing cached depends on it; an aggregate may add its own
rule to another's event): committing an event without one fails before anything is
written. State kept outside aggregates (read models) is
touched explicitly with `self.uow.touch(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from app.domain.comments import CommentCreated, CommentDeleted
from app.domain.events import (
    DomainEvent,
    PostCreated,
    PostDeleted,
    PostUpdated,
    UserRegistered,
)

Rule = TypeVar("Rule", bound=Callable[[Any], Iterable[str]])

_RULES: dict[type[DomainEvent], list[Callable[[Any], Iterable[str]]]] = {}


def invalidated_by(*kinds: type[DomainEvent]) -> Callable[[Rule], Rule]:
    """Register the function as a rule naming tags these events make stale (the rules
    of one event add up)."""

    def register(rule: Rule) -> Rule:
        for kind in kinds:
            rules = _RULES.setdefault(kind, [])
            if rule not in rules:
                rules.append(rule)
        return rule

    return register


def stale_after(events: Iterable[DomainEvent]) -> set[str]:
    """Every tag the events make stale; LookupError for an event without a rule."""
    tags: set[str] = set()
    for event in events:
        rules = _RULES.get(type(event))
        if not rules:
            raise LookupError(
                f"no cache invalidation rule for {type(event).__name__}: "
                "add one with @cache_tags.invalidated_by (it may return nothing)"
            )
        for rule in rules:
            tags.update(rule(event))
    return tags


def events_without_rule(kinds: Iterable[type[DomainEvent]]) -> list[str]:
    return sorted(kind.__name__ for kind in kinds if kind not in _RULES)


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


def comment(comment_id: str) -> str:
    return f"comment:{comment_id}"


def comments_of_post(post_id: str) -> str:
    """Every list of the post's comments."""
    return f"comments:post:{post_id}"


@invalidated_by(UserRegistered)
def _registered(event: UserRegistered) -> list[str]:
    return [user(event.user_id)]


@invalidated_by(PostCreated, PostDeleted)
def _post_created_or_deleted(event: PostCreated | PostDeleted) -> list[str]:
    return post_change(event.post_id, event.author_id, event.tags)


@invalidated_by(PostUpdated)
def _post_updated(event: PostUpdated) -> list[str]:
    return post_change(event.post_id, event.author_id, [*event.previous_tags, *event.tags])


@invalidated_by(CommentCreated, CommentDeleted)
def _comment_created_or_deleted(event: CommentCreated | CommentDeleted) -> list[str]:
    return [comment(event.comment_id), comments_of_post(event.post_id)]


@invalidated_by(PostDeleted)
def _post_deleted_with_its_comments(event: PostDeleted) -> list[str]:
    """A deleted post's comment lists answer 404 from now on, even empty ones."""
    return [comments_of_post(event.post_id)]
