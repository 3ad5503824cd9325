"""Registering a user."""

from __future__ import annotations

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from app.application.clock import Clock
from app.application.handlers import CommandService, command_handler
from app.application.ports.security import PasswordHasher
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.application.throttling import RegistrationThrottle
from app.domain.errors import Conflict
from app.domain.users import DISPLAY_NAME_MAX, EMAIL_MAX, User


def _valid_email(email: str) -> str:
    """Check the address's syntax; it is stored exactly as given."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(f"not a valid email address: {error}") from None
    return email


Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=EMAIL_MAX),
    AfterValidator(_valid_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": EMAIL_MAX}),
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=DISPLAY_NAME_MAX)]


class RegisterUser(BaseModel):
    """A new account."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {"email": "ada@example.com", "password": "correct horse", "display_name": "Ada"}
            ]
        },
    )

    email: Email = Field(description="unique, in any case; the sign-in name")
    password: Password = Field(description="8 to 128 characters")
    display_name: DisplayName = Field(description="1 to 50 characters, shown with the posts")


class UserCommandService(CommandService):
    def __init__(
        self,
        write_uow: WriteUnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        throttle: RegistrationThrottle,
    ) -> None:
        super().__init__(write_uow)
        self._hasher = hasher
        self._clock = clock
        self._throttle = throttle

    async def register(self, command: RegisterUser, *, address: str | None = None) -> User:
        """Refused with TooManyAttempts, before any hashing, once the client `address` has
        registered too often (see `RegistrationThrottle`)."""
        await self._throttle.attempt(address)
        # Hash before the transaction opens: no connection or lock waits on argon2.
        password_hash = await self._hasher.hash(command.password)
        return await self._add(command, password_hash)

    @command_handler
    async def _add(self, command: RegisterUser, password_hash: str) -> User:
        if await self.uow.users.get_by_email(command.email) is not None:
            raise Conflict("a user with this email already exists")
        user = User.register(
            email=command.email,
            display_name=command.display_name,
            password_hash=password_hash,
            now=self._clock(),
        )
        await self.uow.users.add(user)
        return user
