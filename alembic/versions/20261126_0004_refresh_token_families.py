"""Refresh tokens stored by digest, in families that a replay revokes together.

Ids already stored are replaced by their SHA-256, and each becomes a family of its own,
so refresh tokens issued before the upgrade keep working. A downgrade cannot turn a
digest back into an id: it empties the table (everyone signs in again).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
tokens = sa.table(
    "refresh_tokens",
    sa.column("id", sa.String),
    sa.column("family_id", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.alter_column("id", existing_type=sa.String(36), type_=sa.String(64))
        batch.add_column(sa.Column("family_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("revoked_at", UTC_DATETIME, nullable=True))
    connection = op.get_bind()
    for (token_id,) in connection.execute(sa.select(tokens.c.id)).all():
        connection.execute(
            tokens.update()
            .where(tokens.c.id == token_id)
            .values(id=hashlib.sha256(token_id.encode()).hexdigest(), family_id=token_id)
        )
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.alter_column("family_id", existing_type=sa.String(36), nullable=False)
        batch.create_index("ix_refresh_tokens_family_id", ["family_id"])


def downgrade() -> None:
    op.execute(tokens.delete())
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_index("ix_refresh_tokens_family_id")
        batch.drop_column("revoked_at")
        batch.drop_column("family_id")
        batch.alter_column("id", existing_type=sa.String(64), type_=sa.String(36))
