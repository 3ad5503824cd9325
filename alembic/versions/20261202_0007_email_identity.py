"""Email keys that make one mailbox one account (Unicode-normalized, IDNA domains).

Every user's `email_key` is computed anew with `app.domain.users.email_key`. Accounts
whose new key was already another's (the same mailbox registered in several forms:
NFC and NFD, full-width letters, an internationalized domain and its xn-- form) keep
their earlier key, so every account stays reachable: such an account signs in with the
address as it registered it, and the oldest of them (or the one whose key did not
change) answers every other form. No account is merged or removed. A downgrade puts
the earlier keys back.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import contextlib
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

users = sa.table(
    "users",
    sa.column("id", sa.String),
    sa.column("email", sa.String),
    sa.column("email_key", sa.String),
    sa.column("created_at", sa.DateTime),
)


def _earlier_key(email: str) -> str:
    return email.strip().lower()


def email_key(email: str) -> str:
    """`app.domain.users.email_key` as of this revision (a migration must not change
    with the code that follows it)."""
    local, at, domain = email.strip().rpartition("@")
    if not at:
        return unicodedata.normalize("NFKC", email.strip()).casefold()
    local = unicodedata.normalize("NFKC", local).casefold()
    domain = unicodedata.normalize("NFKC", domain).casefold().rstrip(".")
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(users.c.id, users.c.email, users.c.email_key).order_by(
            users.c.created_at, users.c.id
        )
    ).all()
    # Keys that stay as they are come first, so no earlier key is ever taken by another.
    claimed = {row.email_key for row in rows if email_key(row.email) == row.email_key}
    for row in rows:
        new = email_key(row.email)
        if new == row.email_key or new in claimed:
            continue  # unchanged, or the mailbox has an older account: keep the earlier key
        claimed.add(new)
        connection.execute(sa.update(users).where(users.c.id == row.id).values(email_key=new))


def downgrade() -> None:
    connection = op.get_bind()
    for row in connection.execute(sa.select(users.c.id, users.c.email)).all():
        connection.execute(
            sa.update(users).where(users.c.id == row.id).values(email_key=_earlier_key(row.email))
        )
