"""Which cache tags each domain event makes stale."""

from __future__ import annotations

from app.application import cache_tags
from app.application.consumers.dispatcher import service_events
from app.domain.events import PostCreated, PostDeleted, PostUpdated, UserRegistered
from tests.fakes.clock import T0


def test_every_event_of_the_service_has_an_invalidation_rule() -> None:
    assert cache_tags.events_without_rule(service_events()) == []


def test_an_edit_makes_the_old_and_the_new_tags_lists_stale() -> None:
    event = PostUpdated(
        occurred_at=T0, post_id="p", author_id="a", version=2, tags=("b",), previous_tags=("a",)
    )

    assert cache_tags.stale_after([event]) == {
        "post:p",
        "posts",
        "posts:author:a",
        "posts:tag:a",
        "posts:tag:b",
    }


def test_a_created_post_makes_its_lists_stale() -> None:
    event = PostCreated(occurred_at=T0, post_id="p", author_id="a", tags=("t",))

    assert cache_tags.stale_after([event]) == {"post:p", "posts", "posts:author:a", "posts:tag:t"}


def test_a_deleted_post_makes_its_lists_and_its_comment_lists_stale() -> None:
    event = PostDeleted(occurred_at=T0, post_id="p", author_id="a", tags=("t",))

    assert cache_tags.stale_after([event]) == {
        "post:p",
        "posts",
        "posts:author:a",
        "posts:tag:t",
        "comments:post:p",
    }


def test_a_registration_makes_the_profile_stale() -> None:
    event = UserRegistered(occurred_at=T0, user_id="u", email="u@x.io", display_name="U")

    assert cache_tags.stale_after([event]) == {"user:u"}


def test_the_rules_of_one_event_add_up() -> None:
    event = UserRegistered(occurred_at=T0, user_id="u", email="u@x.io", display_name="U")

    def also_the_directory(registered: UserRegistered) -> list[str]:
        return [f"directory:{registered.display_name}"]

    cache_tags.invalidated_by(UserRegistered)(also_the_directory)
    try:
        stale = cache_tags.stale_after([event])
    finally:
        cache_tags._RULES[UserRegistered].remove(also_the_directory)

    assert stale == {"user:u", "directory:U"}
