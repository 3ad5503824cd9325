"""The registry of domain event types: one name, one type, found wherever it is defined."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.domain.comments import CommentCreated
from app.domain.events import DomainEvent, PostCreated, UserRegistered, domain_events


class TestEventRegistry:
    def test_an_event_type_is_registered_by_its_name_as_it_is_defined(self) -> None:
        @dataclass(frozen=True, kw_only=True)
        class PostPinned(DomainEvent):
            post_id: str

        try:
            assert DomainEvent.registry["PostPinned"] is PostPinned
        finally:
            del DomainEvent.registry["PostPinned"]

    def test_a_second_event_type_with_a_taken_name_is_refused_naming_both(self) -> None:
        with pytest.raises(TypeError) as refused:

            @dataclass(frozen=True, kw_only=True)
            class UserRegistered(DomainEvent):
                user_id: str

        message = str(refused.value)
        assert "app.domain.events.UserRegistered" in message
        assert f"{__name__}.{type(self).__qualname__}." in message
        assert DomainEvent.registry["UserRegistered"].__module__ == "app.domain.events"


class TestDomainEvents:
    def test_every_event_of_the_domain_package_is_listed_by_name(self) -> None:
        events = domain_events()

        assert events["UserRegistered"] is UserRegistered
        assert events["PostCreated"] is PostCreated
        assert events["CommentCreated"] is CommentCreated

    def test_an_event_type_defined_outside_the_domain_is_not_listed(self) -> None:
        @dataclass(frozen=True, kw_only=True)
        class PostPinned(DomainEvent):
            post_id: str

        try:
            assert "PostPinned" not in domain_events()
        finally:
            del DomainEvent.registry["PostPinned"]
