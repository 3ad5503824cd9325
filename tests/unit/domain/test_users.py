"""The User aggregate and the case-insensitive email key."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidInput
from app.domain.events import UserRegistered
from app.domain.users import DISPLAY_NAME_MAX, EMAIL_MAX, User, email_key
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
        assert "display_name" in caught.value.detail
        assert str(DISPLAY_NAME_MAX) in caught.value.detail

    def test_display_name_at_the_maximum_length_is_accepted(self) -> None:
        name = "n" * DISPLAY_NAME_MAX

        assert register(display_name=name).display_name == name

    @pytest.mark.parametrize("email", ["no-at-sign.example.com", "a@", "x" * 250 + "@b.cd"])
    def test_email_without_at_sign_or_too_long_is_refused(self, email: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            register(email=email)
        assert caught.value.field == "email"
        assert "email" in caught.value.detail

    @pytest.mark.parametrize(
        "email", ["a@b", "x" * (EMAIL_MAX - len("@b.cd")) + "@b.cd"], ids=["shortest", "longest"]
    )
    def test_email_at_the_length_limits_is_accepted(self, email: str) -> None:
        assert register(email=email).email == email

    def test_email_too_long_once_its_domain_is_spelt_in_idna_is_refused(self) -> None:
        domain = "b\u00fccher.example"
        email = "a" * (EMAIL_MAX - len("@" + domain)) + "@" + domain

        with pytest.raises(InvalidInput) as caught:
            register(email=email)
        assert caught.value.field == "email"
        assert "email" in caught.value.detail

    def test_registering_records_who_registered_under_which_address(self) -> None:
        user = register(email="Ada@Example.COM", display_name="Ada L.")

        (event,) = user.pull_events()
        assert isinstance(event, UserRegistered)
        assert (event.user_id, event.email, event.display_name) == (
            user.id,
            "Ada@Example.COM",
            "Ada L.",
        )
        assert event.occurred_at == T0


class TestEmailKey:
    def test_emails_differing_only_in_case_share_a_key(self) -> None:
        assert email_key("Ada@Example.COM") == email_key("ada@example.com")

    def test_surrounding_whitespace_does_not_change_the_key(self) -> None:
        assert email_key("  ada@example.com ") == email_key("ada@example.com")

    def test_different_addresses_have_different_keys(self) -> None:
        assert email_key("ada@example.com") != email_key("bob@example.com")

    def test_user_email_key_ignores_case_of_the_stored_email(self) -> None:
        assert register(email="Ada@Example.COM").email_key == "ada@example.com"

    def test_a_sign_in_name_without_an_at_sign_is_normalized_all_the_same(self) -> None:
        assert email_key(" \uff21\uff24\uff21 ") == email_key("ada") == "ada"

    def test_the_domain_is_what_follows_the_last_at_sign(self) -> None:
        key = email_key('"Ada@home"@B\u00fccher.example')

        assert key == '"ada@home"@xn--bcher-kva.example'

    def test_a_domain_idna_cannot_spell_keeps_its_normalized_form(self) -> None:
        label = "X" * 64  # longer than IDNA allows for one label

        assert email_key(f"Ada@{label}.example") == f"ada@{label.lower()}.example"


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
