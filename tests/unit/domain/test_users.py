"""The User aggregate and the case-insensitive email key."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidInput
from app.domain.users import DISPLAY_NAME_MAX, User, email_key
from tests.fakes.clock import T0


def register(email: str = "ada@example.com", display_name: str = "Ada") -> User:
    return User.register(email=email, display_name=display_name, password_hash="h", now=T0)


class TestRegisterUser:
    def test_registered_user_keeps_email_exactly_as_given(self) -> None:
        user = register(email="Ada@Example.COM")

        assert user.email == "Ada@Example.COM"
        assert user.created_at == T0
        assert user.password_hash == "h"

    def test_each_user_gets_its_own_id(self) -> None:
        assert register().id != register().id

    @pytest.mark.parametrize("display_name", ["", "n" * (DISPLAY_NAME_MAX + 1)])
    def test_display_name_outside_the_length_limits_is_refused(self, display_name: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            register(display_name=display_name)
        assert caught.value.field == "display_name"

    def test_display_name_at_the_maximum_length_is_accepted(self) -> None:
        name = "n" * DISPLAY_NAME_MAX

        assert register(display_name=name).display_name == name

    @pytest.mark.parametrize("email", ["no-at-sign.example.com", "a@", "x" * 250 + "@b.cd"])
    def test_email_without_at_sign_or_too_long_is_refused(self, email: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            register(email=email)
        assert caught.value.field == "email"


class TestEmailKey:
    def test_emails_differing_only_in_case_share_a_key(self) -> None:
        assert email_key("Ada@Example.COM") == email_key("ada@example.com")

    def test_surrounding_whitespace_does_not_change_the_key(self) -> None:
        assert email_key("  ada@example.com ") == email_key("ada@example.com")

    def test_different_addresses_have_different_keys(self) -> None:
        assert email_key("ada@example.com") != email_key("bob@example.com")

    def test_user_email_key_ignores_case_of_the_stored_email(self) -> None:
        assert register(email="Ada@Example.COM").email_key == "ada@example.com"


class TestOneMailboxOneKey:
    @pytest.mark.parametrize(
        ("one", "other"),
        [
            ("ren\u00e9@example.com", "rene\u0301@example.com"),  # NFC and NFD
            ("ada@b\u00fccher.example", "ada@xn--bcher-kva.example"),  # IDNA
            ("\uff41\uff44\uff41@example.com", "ada@example.com"),  # full-width letters
            ("ada@EXAMPLE.com.", "ada@example.com"),  # a root-dotted domain
            ("STRASSE@example.com", "stra\u00dfe@example.com"),  # case folding
        ],
        ids=["nfc-nfd", "idna", "full-width", "trailing-dot", "casefold"],
    )
    def test_forms_of_one_mailbox_share_a_key(self, one: str, other: str) -> None:
        assert email_key(one) == email_key(other)

    def test_an_accent_still_makes_another_mailbox(self) -> None:
        assert email_key("ecole@example.com") != email_key("\u00e9cole@example.com")
