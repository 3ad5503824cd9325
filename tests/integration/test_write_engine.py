"""The write engine keeps values out of error messages, so logs never carry them."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from app.infra.db.tables import users
from tests.contract.builders import T0
from tests.databases import ScratchDatabase


class TestWriteEngine:
    async def test_a_failed_statement_does_not_show_its_parameters(
        self, fresh_database: ScratchDatabase
    ) -> None:
        row = {
            "id": "u1",
            "email": "secret-address@example.com",
            "email_key": "secret-address@example.com",
            "display_name": "A",
            "password_hash": "$argon2id$secret-hash",
            "created_at": T0,
        }
        async with fresh_database.engine.begin() as connection:
            await connection.execute(insert(users).values(**row))

        with pytest.raises(IntegrityError) as raised:
            async with fresh_database.engine.begin() as connection:
                await connection.execute(insert(users).values(**row))

        assert "secret-hash" not in str(raised.value)
        assert "secret-address" not in str(raised.value)
