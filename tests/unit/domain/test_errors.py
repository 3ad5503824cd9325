"""Domain errors: what the interface layer reads from them to build a problem response."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.domain.errors import (
    AppError,
    Conflict,
    InvalidInput,
    NotFound,
    StaleConnection,
    TooManyAttempts,
)


class TestAppError:
    @pytest.mark.parametrize(
        "make_error",
        [
            lambda detail: NotFound(detail),
            lambda detail: Conflict(detail),
            lambda detail: InvalidInput(detail, field="title"),
            lambda detail: TooManyAttempts(detail, retry_after=30),
            lambda detail: StaleConnection(detail),
        ],
        ids=["NotFound", "Conflict", "InvalidInput", "TooManyAttempts", "StaleConnection"],
    )
    def test_the_message_of_an_error_is_its_detail(
        self, make_error: Callable[[str], AppError]
    ) -> None:
        error = make_error("post p1 does not exist")

        assert error.detail == "post p1 does not exist"
        assert str(error) == "post p1 does not exist"

    def test_invalid_input_names_the_field_it_is_about(self) -> None:
        error = InvalidInput("title must be 1..200 characters", field="title")

        assert error.field == "title"
        assert InvalidInput("the request is inconsistent").field is None

    def test_too_many_attempts_says_when_to_try_again(self) -> None:
        assert TooManyAttempts("too many sign-ins", retry_after=30).retry_after == 30
