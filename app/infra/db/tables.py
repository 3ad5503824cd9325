"""The SQLModel tables: how aggregates and read models are stored.

The naming convention is set on the metadata before any table is declared, so every
constraint has a stable name on every database and migrations can address it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.infra.db.types import LongText, UtcDateTime

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Binary collation: ids, email keys and tags compare exactly, as they do in Python and
# SQLite (case folding is done explicitly, in `email_key` and `title_lower`).
MYSQL_TABLE_OPTIONS = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
ID_LENGTH = 36
TRACE_CONTEXT_LENGTH = 512
"""A W3C traceparent with a tracestate, as JSON (longer contexts are not kept)."""


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = MYSQL_TABLE_OPTIONS

    id: str = Field(primary_key=True, max_length=ID_LENGTH)
    email: str = Field(max_length=254)
    email_key: str = Field(max_length=254, unique=True)
    display_name: str = Field(max_length=50)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class PostRow(SQLModel, table=True):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_created_at_id", "created_at", "id"),
        Index("ix_posts_author_id_created_at_id", "author_id", "created_at", "id"),
        MYSQL_TABLE_OPTIONS,
    )

    id: str = Field(primary_key=True, max_length=ID_LENGTH)
    author_id: str = Field(
        sa_column=Column(String(ID_LENGTH), ForeignKey("users.id"), nullable=False)
    )
    title: str = Field(max_length=200)
    title_lower: str = Field(max_length=400, description="the title in lower case, for search")
    body: str = Field(sa_column=Column(LongText, nullable=False))
    tags: str = Field(max_length=400, description="the post's tags, comma-separated, in order")
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    version: int


class PostTagRow(SQLModel, table=True):
    """One row per tag of a post, with the post's sort key, for the tag filter's index."""

    __tablename__ = "post_tags"
    __table_args__ = (
        Index("ix_post_tags_tag_created_at_post_id", "tag", "created_at", "post_id"),
        MYSQL_TABLE_OPTIONS,
    )

    post_id: str = Field(
        sa_column=Column(
            String(ID_LENGTH),
            ForeignKey("posts.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    tag: str = Field(primary_key=True, max_length=30)
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class CommentRow(SQLModel, table=True):
    """A comment on a post. No cascade: a post can only be deleted once its comments are,
    and the post's deletion deletes them first, with an event for each."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_post_id_created_at_id", "post_id", "created_at", "id"),
        Index("ix_comments_author_id", "author_id"),
        MYSQL_TABLE_OPTIONS,
    )

    id: str = Field(primary_key=True, max_length=ID_LENGTH)
    post_id: str = Field(
        sa_column=Column(String(ID_LENGTH), ForeignKey("posts.id"), nullable=False)
    )
    author_id: str = Field(
        sa_column=Column(String(ID_LENGTH), ForeignKey("users.id"), nullable=False)
    )
    body: str = Field(sa_column=Column(Text, nullable=False), description="1..5,000 characters")
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class RefreshTokenRow(SQLModel, table=True):
    """A refresh token, by the SHA-256 of its id: the table never holds a usable id."""

    __tablename__ = "refresh_tokens"
    __table_args__ = MYSQL_TABLE_OPTIONS

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(
        sa_column=Column(String(ID_LENGTH), ForeignKey("users.id"), nullable=False, index=True)
    )
    family_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False, index=True))
    expires_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))


users = UserRow.__table__  # type: ignore[attr-defined]
posts = PostRow.__table__  # type: ignore[attr-defined]
post_tags = PostTagRow.__table__  # type: ignore[attr-defined]
comments = CommentRow.__table__  # type: ignore[attr-defined]
refresh_tokens = RefreshTokenRow.__table__  # type: ignore[attr-defined]
metadata = SQLModel.metadata


class OutboxRow(SQLModel, table=True):
    """Domain events, written in the transaction of the change that raised them."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_sent_at_occurred_at", "sent_at", "occurred_at"),
        MYSQL_TABLE_OPTIONS,
    )

    id: str = Field(primary_key=True, max_length=ID_LENGTH)
    type: str = Field(max_length=100)
    payload: str = Field(sa_column=Column(LongText, nullable=False))
    occurred_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    """Deliveries whose consumers failed; at OUTBOX_MAX_ATTEMPTS the event is dead."""
    dead_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))
    """Set when the event stopped being delivered; an operator may return it."""
    trace_context: str | None = Field(
        default=None, sa_column=Column(String(TRACE_CONTEXT_LENGTH), nullable=True)
    )
    """The W3C trace context of the commit that wrote the event (JSON), when traced."""


class HandledEventRow(SQLModel, table=True):
    """Which consumer has handled which event: recorded with the consumer's effect."""

    __tablename__ = "handled_events"
    __table_args__ = MYSQL_TABLE_OPTIONS

    consumer: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=ID_LENGTH)


class UserStatsRow(SQLModel, table=True):
    """The user stats read model, fed by post and comment events."""

    __tablename__ = "user_stats"
    __table_args__ = MYSQL_TABLE_OPTIONS

    user_id: str = Field(
        sa_column=Column(String(ID_LENGTH), ForeignKey("users.id"), primary_key=True)
    )
    post_count: int
    last_post_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )
    comment_count: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )


class IdempotencyKeyRow(SQLModel, table=True):
    """A client's Idempotency-Key on a create: in flight, or done with the first response."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        Index("ix_idempotency_keys_started_at", "started_at"),
        MYSQL_TABLE_OPTIONS,
    )

    user_id: str = Field(primary_key=True, max_length=ID_LENGTH)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    started_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    response: str | None = Field(default=None, sa_column=Column(LongText, nullable=True))


outbox = OutboxRow.__table__  # type: ignore[attr-defined]
idempotency_keys = IdempotencyKeyRow.__table__  # type: ignore[attr-defined]
handled_events = HandledEventRow.__table__  # type: ignore[attr-defined]
user_stats = UserStatsRow.__table__  # type: ignore[attr-defined]
