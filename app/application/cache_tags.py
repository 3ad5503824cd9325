"""Names of what cached results depend on, and which events make them stale.

Queries carry tags (`@cached(tags=...)`); the write unit of work derives the tags a
commit invalidates from the domain events it commits, through the rules below, so a
command cannot forget to invalidate what it changed. Every domain event has a rule
(an empty one when nothing cached depends on it): committing an event without one
fails before anything is written. State kept outside aggregates (read models) is
touched explicitly with `self.uow.touch(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from app.domain.events import DomainEvent, PostCreated, PostDeleted, PostUpdated, UserRegistered

Rule = TypeVar("Rule", bound=Callable[[Any], Iterable[str]])

_RULES: dict[type[DomainEvent], Callable[[Any], Iterable[str]]] = {}


def invalidated_by(*kinds: type[DomainEvent]) -> Callable[[Rule], Rule]:
    """Register the function as the rule naming the tags these events make stale."""

    def register(rule: Rule) -> Rule:
        for kind in kinds:
            if kind in _RULES:
                raise TypeError(f"{kind.__name__} has two invalidation rules")
            _RULES[kind] = rule
        return rule

    return register


def stale_after(events: Iterable[DomainEvent]) -> set[str]:
    """Every tag the events make stale; LookupError for an event without a rule."""
    tags: set[str] = set()
    for event in events:
        rule = _RULES.get(type(event))
        if rule is None:
            raise LookupError(
                f"no cache invalidation rule for {type(event).__name__}: "
                "add one with @cache_tags.invalidated_by (it may return nothing)"
            )
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


@invalidated_by(UserRegistered)
def _registered(event: UserRegistered) -> list[str]:
    return [user(event.user_id)]


@invalidated_by(PostCreated, PostDeleted)
def _post_created_or_deleted(event: PostCreated | PostDeleted) -> list[str]:
    return post_change(event.post_id, event.author_id, event.tags)


@invalidated_by(PostUpdated)
def _post_updated(event: PostUpdated) -> list[str]:
    return post_change(event.post_id, event.author_id, [*event.previous_tags, *event.tags])
