"""Entity tags of posts: If-Match (strong) and If-None-Match (weak) comparison."""

from __future__ import annotations

import pytest

from app.interface.etags import accepted_versions, etag_of, none_match

POST = "0190a0b2-0000-7000-8000-000000000001"
OTHER = "0190a0b2-0000-7000-8000-000000000002"


class TestEtagOf:
    def test_tag_is_strong_and_names_post_and_version(self) -> None:
        assert etag_of(POST, 3) == f'"{POST}.3"'


class TestAcceptedVersions:
    @pytest.mark.parametrize("header", [None, "*", "  *  "])
    def test_absent_header_or_star_accepts_any_version(self, header: str | None) -> None:
        assert accepted_versions(header, POST) is None

    def test_one_tag_accepts_its_version(self) -> None:
        assert accepted_versions(etag_of(POST, 2), POST) == frozenset({2})

    def test_list_of_tags_accepts_each_of_their_versions(self) -> None:
        header = f"{etag_of(POST, 1)}, {etag_of(POST, 4)} ,{etag_of(POST, 7)}"

        assert accepted_versions(header, POST) == frozenset({1, 4, 7})

    def test_tags_of_another_post_in_a_list_are_ignored(self) -> None:
        header = f"{etag_of(OTHER, 5)}, {etag_of(POST, 2)}"

        assert accepted_versions(header, POST) == frozenset({2})

    def test_only_tags_of_another_post_fail_the_precondition(self) -> None:
        assert accepted_versions(etag_of(OTHER, 1), POST) == frozenset()

    def test_weak_tag_never_matches(self) -> None:
        assert accepted_versions(f"W/{etag_of(POST, 1)}", POST) == frozenset()

    def test_weak_tag_next_to_a_strong_one_adds_nothing(self) -> None:
        header = f"W/{etag_of(POST, 1)}, {etag_of(POST, 2)}"

        assert accepted_versions(header, POST) == frozenset({2})

    @pytest.mark.parametrize(
        "header", ["", "garbage", f"{POST}.1", f'"{POST}.x"', f'"{POST}."', f'"{POST}.-1"']
    )
    def test_malformed_header_fails_the_precondition(self, header: str) -> None:
        assert accepted_versions(header, POST) == frozenset()

    @pytest.mark.parametrize("version", ["\u00b9", "\u00b2", "9" * 5000])
    def test_version_digits_int_cannot_read_fail_the_precondition(self, version: str) -> None:
        assert accepted_versions(f'"{POST}.{version}"', POST) == frozenset()

    @pytest.mark.parametrize("version", ["01", "\u0661", "\uff11"])
    def test_tag_not_byte_equal_to_an_issued_one_never_matches(self, version: str) -> None:
        # Strong comparison is by characters: '"<id>.01"' is not the tag of version 1.
        assert accepted_versions(f'"{POST}.{version}"', POST) == frozenset()


class TestNoneMatch:
    def test_absent_header_never_matches(self) -> None:
        assert none_match(None, etag_of(POST, 1)) is False

    def test_star_matches_any_current_tag(self) -> None:
        assert none_match(" * ", etag_of(POST, 9)) is True

    def test_current_tag_matches(self) -> None:
        assert none_match(etag_of(POST, 2), etag_of(POST, 2)) is True

    def test_weak_form_of_the_current_tag_matches(self) -> None:
        assert none_match(f"W/{etag_of(POST, 2)}", etag_of(POST, 2)) is True

    def test_current_tag_anywhere_in_a_list_matches(self) -> None:
        header = f"{etag_of(POST, 1)}, W/{etag_of(POST, 2)}"

        assert none_match(header, etag_of(POST, 2)) is True

    def test_older_version_does_not_match(self) -> None:
        assert none_match(f"{etag_of(POST, 1)}, {etag_of(OTHER, 2)}", etag_of(POST, 2)) is False
