"""The PostCommand and PostPatch request models."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.application.commands.posts import PostCommand, PostPatch
from app.domain.posts import TAG_MAX, TITLE_MAX


class TestPostCommand:
    def test_tags_default_to_none_given(self) -> None:
        assert PostCommand(title="t", body="b").tags == []

    def test_duplicate_tags_are_dropped_keeping_order(self) -> None:
        command = PostCommand(title="t", body="b", tags=["b", "a", "b"])

        assert command.tags == ["b", "a"]

    def test_eleven_distinct_tags_are_rejected(self) -> None:
        with pytest.raises(ValidationError):
            PostCommand(title="t", body="b", tags=[f"t{i}" for i in range(11)])

    @pytest.mark.parametrize("tag", ["", "Upper", "a b", "x" * (TAG_MAX + 1)])
    def test_tag_outside_the_pattern_is_rejected(self, tag: str) -> None:
        with pytest.raises(ValidationError):
            PostCommand(title="t", body="b", tags=[tag])

    @pytest.mark.parametrize("fields", [{"title": ""}, {"title": "t" * (TITLE_MAX + 1)}])
    def test_title_outside_the_length_limits_is_rejected(self, fields: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            PostCommand.model_validate({"title": "t", "body": "b"} | fields)

    @pytest.mark.parametrize("field", ["author_id", "version", "id", "created_at"])
    def test_unknown_field_is_rejected(self, field: str) -> None:
        with pytest.raises(ValidationError) as caught:
            PostCommand.model_validate({"title": "t", "body": "b", field: "x"})
        assert caught.value.errors()[0]["type"] == "extra_forbidden"

    def test_title_and_body_are_required(self) -> None:
        with pytest.raises(ValidationError):
            PostCommand.model_validate({"tags": ["a"]})


class TestPostPatch:
    def test_empty_patch_is_rejected(self) -> None:
        with pytest.raises(ValidationError, match="at least one"):
            PostPatch.model_validate({})

    @pytest.mark.parametrize("field", ["title", "body", "tags"])
    def test_explicit_null_is_rejected(self, field: str) -> None:
        with pytest.raises(ValidationError, match="cannot be null"):
            PostPatch.model_validate({field: None})

    def test_explicit_null_next_to_a_value_is_rejected(self) -> None:
        with pytest.raises(ValidationError, match="body cannot be null"):
            PostPatch.model_validate({"title": "t", "body": None})

    def test_only_given_fields_are_set(self) -> None:
        patch = PostPatch.model_validate({"body": "new"})

        assert patch.model_fields_set == {"body"}
        assert not patch.given("title")

    def test_an_invalid_value_gets_one_error_at_its_own_location(self) -> None:
        with pytest.raises(ValidationError) as caught:
            PostPatch.model_validate({"tags": ["BAD"]})

        assert [error["loc"] for error in caught.value.errors()] == [("tags", 0)]

    def test_empty_tag_list_is_a_valid_patch(self) -> None:
        assert PostPatch.model_validate({"tags": []}).tags == []

    @pytest.mark.parametrize("field", ["author_id", "version"])
    def test_unknown_field_is_rejected(self, field: str) -> None:
        with pytest.raises(ValidationError):
            PostPatch.model_validate({"title": "t", field: "x"})
