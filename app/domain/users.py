"""The User aggregate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.domain.errors import InvalidInput
from app.domain.events import DomainEvent, RecordsEvents, UserRegistered
from app.domain.identity import new_id

DISPLAY_NAME_MAX = 50
EMAIL_MAX = 254


def email_key(email: str) -> str:
    """The form under which emails are unique: case does not make a new address."""
    return email.strip().lower()


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
