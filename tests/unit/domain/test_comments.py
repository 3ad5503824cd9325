"""The Comment aggregate: its body's limits, who may delete it, and its events."""

from __future__ import annotations

import pytest

from app.domain.comments import BODY_MAX, Comment, CommentCreated, CommentDeleted
from app.domain.errors import Forbidden, InvalidInput
from app.domain.identity import is_well_formed_id
from tests.fakes.clock import T0


def a_comment(body: str = "Nice post") -> Comment:
    return Comment.create(post_id="post", author_id="ada", body=body, now=T0)


class TestCreateComment:
    def test_a_new_comment_has_a_time_ordered_id_and_records_its_creation(self) -> None:
        comment = a_comment()

        (event,) = comment.pull_events()
        assert is_well_formed_id(comment.id)
        assert (comment.post_id, comment.author_id, comment.created_at) == ("post", "ada", T0)
        assert isinstance(event, CommentCreated)
        assert (event.comment_id, event.post_id, event.author_id) == (comment.id, "post", "ada")
        assert event.occurred_at == T0

    @pytest.mark.parametrize("body", ["", "x" * (BODY_MAX + 1)])
    def test_a_body_outside_its_limits_is_refused(self, body: str) -> None:
        with pytest.raises(InvalidInput) as refused:
            a_comment(body)

        assert refused.value.field == "body"
        assert "body" in refused.value.detail
        assert str(BODY_MAX) in refused.value.detail

    def test_a_body_of_the_longest_length_is_accepted(self) -> None:
        assert len(a_comment("é" * BODY_MAX).body) == BODY_MAX


class TestDeleteComment:
    @pytest.mark.parametrize("user_id", ["ada", "post-author"])
    def test_its_author_and_the_posts_author_may_delete_it(self, user_id: str) -> None:
        a_comment().ensure_can_be_deleted_by(user_id, post_author_id="post-author")

    def test_anyone_else_is_forbidden(self) -> None:
        with pytest.raises(Forbidden) as refused:
            a_comment().ensure_can_be_deleted_by("bob", post_author_id="post-author")
        assert "author" in refused.value.detail

    def test_deleting_records_who_wrote_it_on_which_post(self) -> None:
        comment = a_comment()
        comment.pull_events()

        comment.delete(now=T0)

        (event,) = comment.pull_events()
        assert isinstance(event, CommentDeleted)
        assert (event.comment_id, event.post_id, event.author_id) == (comment.id, "post", "ada")
