"""Refresh tokens are stored by digest: reading the table gives no usable token id."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.infra.db.tables import refresh_tokens
from app.infra.db.units_of_work import SqlWriteUnitOfWork
from tests.contract.builders import T0, a_user
from tests.databases import ScratchDatabase
from tests.fakes.units_of_work import NO_EFFECTS


class TestStoredForm:
    async def test_the_table_holds_a_digest_not_the_token_id(
        self, fresh_database: ScratchDatabase
    ) -> None:
        sessions = async_sessionmaker(bind=fresh_database.engine, expire_on_commit=False)
        user = a_user()
        async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
            await uow.users.add(user)
            await uow.refresh_tokens.add(
                "token-id-1234", user_id=user.id, family_id="f1", expires_at=T0 + timedelta(1)
            )
            await uow.commit()

        async with fresh_database.engine.connect() as connection:
            stored = (await connection.execute(select(refresh_tokens.c.id))).scalars().all()
        async with SqlWriteUnitOfWork(sessions, effects=NO_EFFECTS) as uow:
            found = await uow.refresh_tokens.use("token-id-1234", now=T0)

        assert len(stored) == 1
        assert "token-id-1234" not in stored[0]
        assert len(stored[0]) == 64
        assert found is not None
