"""Users in SQL: the write repository and the read-side reader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.application.ports.readers import UserView
from app.domain.errors import Conflict
from app.domain.events import RecordsEvents
from app.domain.users import User, email_key
from app.infra.db.tables import users
from app.infra.repositories.connections import ConnectionSource


def _user(row: Any) -> User:
    return User(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        password_hash=row.password_hash,
        created_at=row.created_at,
    )


_USER_COLUMNS = (
    users.c.id,
    users.c.email,
    users.c.display_name,
    users.c.password_hash,
    users.c.created_at,
)
_USER_BY_ID = select(*_USER_COLUMNS).where(users.c.id == bindparam("user_id"))


def _earlier_key(email: str) -> str:
    """The key of addresses before migration 0007 (case folded, nothing normalized)."""
    return email.strip().lower()


class SqlUserRepository:
    def __init__(self, session: AsyncSession, track: Callable[[RecordsEvents], None]) -> None:
        self._session = session
        self._track = track

    async def add(self, user: User) -> None:
        self._track(user)
        try:
            await self._session.execute(
                insert(users).values(
                    id=user.id,
                    email=user.email,
                    email_key=user.email_key,
                    display_name=user.display_name,
                    password_hash=user.password_hash,
                    created_at=user.created_at,
                )
            )
        except IntegrityError as error:
            raise Conflict("a user with this email already exists") from error

    async def get(self, user_id: str) -> User | None:
        result = await self._session.execute(_USER_BY_ID, {"user_id": user_id})
        row = result.first()
        return None if row is None else _user(row)

    async def get_by_email(self, email: str) -> User | None:
        """The account of this mailbox. An account that migration 0007 found sharing its
        mailbox with an older one kept its earlier key (`_earlier_key`): it is the one
        found when the address matches that key."""
        key, earlier = email_key(email), _earlier_key(email)
        result = await self._session.execute(
            select(*_USER_COLUMNS, users.c.email_key).where(users.c.email_key.in_({key, earlier}))
        )
        rows = result.all()
        for row in rows:
            if row.email_key == earlier != email_key(row.email):
                return _user(row)
        for row in rows:
            if row.email_key == key:
                return _user(row)
        return None


_VIEW_BY_ID = select(users.c.id, users.c.email, users.c.display_name, users.c.created_at).where(
    users.c.id == bindparam("user_id")
)


class SqlUserReader:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def get(self, user_id: str) -> UserView | None:
        connection = await self._connection()
        row = (await connection.execute(_VIEW_BY_ID, {"user_id": user_id})).first()
        if row is None:
            return None
        return UserView(
            id=row.id, email=row.email, display_name=row.display_name, created_at=row.created_at
        )
