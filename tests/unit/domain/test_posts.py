"""The Post aggregate: creation rules, editing and who may change it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.errors import Forbidden, InvalidInput, PreconditionFailed
from app.domain.events import PostDeleted, PostUpdated
from app.domain.posts import BODY_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX, Post
from tests.fakes.clock import T0


def a_post(*, title: str = "Title", body: str = "Body", tags: list[str] | None = None) -> Post:
    return Post.create(title=title, body=body, tags=tags or [], author_id="ada", now=T0)


class TestCreatePost:
    def test_new_post_starts_at_version_one_with_both_timestamps_now(self) -> None:
        post = a_post()

        assert post.version == 1
        assert post.created_at == post.updated_at == T0
        assert post.author_id == "ada"

    @pytest.mark.parametrize("length", [1, TITLE_MAX])
    def test_title_at_the_length_limits_is_accepted(self, length: int) -> None:
        assert a_post(title="t" * length).title == "t" * length

    @pytest.mark.parametrize("length", [0, TITLE_MAX + 1])
    def test_title_outside_the_length_limits_is_refused(self, length: int) -> None:
        with pytest.raises(InvalidInput) as caught:
            a_post(title="t" * length)
        assert caught.value.field == "title"
        assert "title" in caught.value.detail
        assert str(TITLE_MAX) in caught.value.detail

    @pytest.mark.parametrize("length", [1, BODY_MAX])
    def test_body_at_the_length_limits_is_accepted(self, length: int) -> None:
        assert len(a_post(body="b" * length).body) == length

    @pytest.mark.parametrize("length", [0, BODY_MAX + 1])
    def test_body_outside_the_length_limits_is_refused(self, length: int) -> None:
        with pytest.raises(InvalidInput) as caught:
            a_post(body="b" * length)
        assert caught.value.field == "body"
        assert "body" in caught.value.detail
        assert str(BODY_MAX) in caught.value.detail

    def test_duplicate_tags_are_dropped_keeping_first_occurrence_order(self) -> None:
        post = a_post(tags=["b", "a", "b", "c", "a"])

        assert post.tags == ["b", "a", "c"]

    def test_ten_distinct_tags_with_duplicates_are_accepted(self) -> None:
        tags = [f"t{i}" for i in range(10)]

        assert a_post(tags=tags + tags).tags == tags

    def test_eleven_distinct_tags_are_refused(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            a_post(tags=[f"t{i}" for i in range(11)])
        assert caught.value.field == "tags"
        assert str(TAGS_MAX) in caught.value.detail

    @pytest.mark.parametrize("tag", ["a", "web-dev-2", "0", "-", "x" * 30])
    def test_tag_of_lowercase_digits_and_dashes_is_accepted(self, tag: str) -> None:
        assert a_post(tags=[tag]).tags == [tag]

    @pytest.mark.parametrize(
        "tag", ["", "Python", "a b", "a_b", "x" * 31, "abc\n", "caf\u00e9", "a.b"]
    )
    def test_tag_outside_the_pattern_is_refused(self, tag: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            a_post(tags=["ok", tag])
        assert caught.value.field == "tags"
        assert repr(tag) in caught.value.detail
        assert str(TAG_MAX) in caught.value.detail

    def test_each_post_gets_its_own_id(self) -> None:
        assert a_post().id != a_post().id


class TestEditPost:
    def test_edit_increments_version_by_exactly_one(self) -> None:
        post = a_post()

        post.edit(now=T0, title="New")
        post.edit(now=T0, body="New body")

        assert post.version == 3

    def test_only_the_given_fields_change(self) -> None:
        post = a_post(title="Old", body="Old body", tags=["x"])

        post.edit(now=T0, body="New body")

        assert (post.title, post.body, post.tags) == ("Old", "New body", ["x"])

    def test_tags_are_normalized_on_edit(self) -> None:
        post = a_post(tags=["x"])

        post.edit(now=T0, tags=["b", "a", "b"])

        assert post.tags == ["b", "a"]

    def test_empty_tag_list_clears_tags(self) -> None:
        post = a_post(tags=["x"])

        post.edit(now=T0, tags=[])

        assert post.tags == []

    def test_updated_at_moves_to_the_edit_time_and_created_at_stays(self) -> None:
        post = a_post()
        later = T0 + timedelta(minutes=5)

        post.edit(now=later, title="New")

        assert post.updated_at == later
        assert post.created_at == T0

    def test_updated_at_never_goes_back_when_the_clock_does(self) -> None:
        post = a_post()

        post.edit(now=T0 - timedelta(minutes=5), title="New")

        assert post.updated_at == T0

    def test_invalid_title_is_refused_on_edit(self) -> None:
        post = a_post()

        with pytest.raises(InvalidInput):
            post.edit(now=T0, title="")
        assert post.version == 1

    def test_an_edit_with_one_invalid_field_changes_nothing(self) -> None:
        post = a_post(title="Before", body="Body")

        with pytest.raises(InvalidInput):
            post.edit(now=T0 + timedelta(minutes=1), title="After", body="")
        assert (post.title, post.body, post.version, post.updated_at) == ("Before", "Body", 1, T0)

    def test_an_edit_records_the_new_version_and_the_tags_before_and_after(self) -> None:
        post = a_post(tags=["old", "kept"])
        post.pull_events()
        later = T0 + timedelta(minutes=1)

        post.edit(now=later, tags=["kept", "new"])

        (event,) = post.pull_events()
        assert isinstance(event, PostUpdated)
        assert (event.post_id, event.author_id, event.version) == (post.id, "ada", 2)
        assert (event.tags, event.previous_tags) == (("kept", "new"), ("old", "kept"))
        assert event.occurred_at == later


class TestDeletePost:
    def test_deleting_records_the_post_its_author_and_its_tags(self) -> None:
        post = a_post(tags=["python", "web"])
        post.pull_events()

        post.delete(now=T0)

        (event,) = post.pull_events()
        assert isinstance(event, PostDeleted)
        assert (event.post_id, event.author_id, event.tags) == (post.id, "ada", ("python", "web"))


class TestEnsureCanBeChangedBy:
    def test_author_without_expectation_may_change_any_version(self) -> None:
        post = a_post()
        post.edit(now=T0, title="Second")

        post.ensure_can_be_changed_by("ada", None)

    def test_author_naming_the_current_version_may_change_it(self) -> None:
        post = a_post()

        post.ensure_can_be_changed_by("ada", {1, 7})

    def test_non_author_is_forbidden(self) -> None:
        with pytest.raises(Forbidden) as refused:
            a_post().ensure_can_be_changed_by("bob", None)
        assert "author" in refused.value.detail

    def test_non_author_is_forbidden_even_with_the_current_version(self) -> None:
        with pytest.raises(Forbidden):
            a_post().ensure_can_be_changed_by("bob", {1})

    def test_versions_not_containing_the_current_one_fail_the_precondition(self) -> None:
        post = a_post()
        post.edit(now=T0, title="Second")

        with pytest.raises(PreconditionFailed) as refused:
            post.ensure_can_be_changed_by("ada", {1})
        assert "changed" in refused.value.detail

    def test_empty_accepted_versions_fail_the_precondition(self) -> None:
        with pytest.raises(PreconditionFailed):
            a_post().ensure_can_be_changed_by("ada", frozenset())
