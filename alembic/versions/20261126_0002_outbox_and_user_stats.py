"""Outbox of domain events, handled events of consumers, and the user stats read model.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL_OPTIONS = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("payload", LONG_TEXT, nullable=False),
        sa.Column("occurred_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        **MYSQL_OPTIONS,
    )
    op.create_index("ix_outbox_sent_at_occurred_at", "outbox", ["sent_at", "occurred_at"])
    op.create_table(
        "handled_events",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_handled_events"),
        **MYSQL_OPTIONS,
    )
    op.create_table(
        "user_stats",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("post_count", sa.Integer(), nullable=False),
        sa.Column("last_post_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_user_stats_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_stats"),
        **MYSQL_OPTIONS,
    )


def downgrade() -> None:
    op.drop_table("user_stats")
    op.drop_table("handled_events")
    op.drop_index("ix_outbox_sent_at_occurred_at", table_name="outbox")
    op.drop_table("outbox")
