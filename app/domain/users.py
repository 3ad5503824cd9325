"""The User aggregate."""

from __future__ import annotations

import contextlib
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from app.domain.errors import InvalidInput
from app.domain.events import DomainEvent, RecordsEvents, UserRegistered
from app.domain.identity import new_id

DISPLAY_NAME_MAX = 50
EMAIL_MAX = 254


def email_key(email: str) -> str:
    """The form under which addresses are unique: one mailbox, one key.

    Unicode-normalized (NFKC: the NFC and NFD forms of a character are one, and so are
    full-width and plain ASCII letters), case-folded, and the domain in its IDNA form
    (`bücher.example` and `xn--bcher-kva.example` are one domain).
    """
    local, at, domain = email.strip().rpartition("@")
    if not at:
        return unicodedata.normalize("NFKC", email.strip()).casefold()
    local = unicodedata.normalize("NFKC", local).casefold()
    domain = unicodedata.normalize("NFKC", domain).casefold().rstrip(".")
    with contextlib.suppress(UnicodeError):  # a name IDNA cannot spell stays as normalized
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


@dataclass(slots=True, kw_only=True)
class User(RecordsEvents):
    id: str
    email: str
    display_name: str
    password_hash: str
    created_at: datetime
    _pending_events: list[DomainEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def register(cls, *, email: str, display_name: str, password_hash: str, now: datetime) -> User:
        if not 1 <= len(display_name) <= DISPLAY_NAME_MAX:
            raise InvalidInput(
                f"display_name must be 1..{DISPLAY_NAME_MAX} characters", field="display_name"
            )
        if not 3 <= len(email) <= EMAIL_MAX or "@" not in email:
            raise InvalidInput("email is not a valid address", field="email")
        if len(email_key(email)) > EMAIL_MAX:
            raise InvalidInput("email is too long once its domain is spelt in IDNA", field="email")
        user = cls(
            id=new_id(),
            email=email,
            display_name=display_name,
            password_hash=password_hash,
            created_at=now,
        )
        user.record(
            UserRegistered(occurred_at=now, user_id=user.id, email=email, display_name=display_name)
        )
        return user

    @property
    def email_key(self) -> str:
        return email_key(self.email)
