"""Keyset cursors: the sort key (created_at, id) of a page's last item, opaque to clients.

A cursor is accepted only if it is exactly one this service could have issued: every
part is checked (the expected leading values, such as a post list's order; an aware
time a column can hold; a well-formed id) and the whole must encode back to the same
text, so nothing forged ever reaches the database.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Annotated

from pydantic import StringConstraints

from app.domain.identity import is_well_formed_id

CURSOR_MAX = 200
EARLIEST_YEAR, LATEST_YEAR = 1000, 9999
"""Years a stored timestamp can have (MariaDB's DATETIME range)."""


class ForeignCursor(ValueError):
    def __init__(self) -> None:
        super().__init__("cursor is not one this service issued")


def encode_cursor(created_at: datetime, item_id: str, *leading: str) -> str:
    when = created_at.astimezone(UTC).isoformat()
    raw = json.dumps([*leading, when, item_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(
    cursor: str, *, leading: Sequence[Collection[str]] = ()
) -> tuple[tuple[str, ...], datetime, str]:
    """The leading values, time and id a cursor stands for; `leading` gives the values
    each leading part may take. ForeignCursor (a ValueError) for anything not issued here."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise ForeignCursor from None
    if not (isinstance(decoded, list) and len(decoded) == len(leading) + 2):
        raise ForeignCursor
    *values, created_at, item_id = decoded
    if not all(
        isinstance(value, str) and value in allowed
        for value, allowed in zip(values, leading, strict=True)
    ):
        raise ForeignCursor
    if not (isinstance(created_at, str) and isinstance(item_id, str)):
        raise ForeignCursor
    if not is_well_formed_id(item_id):
        raise ForeignCursor
    try:
        when = datetime.fromisoformat(created_at)
    except ValueError:
        raise ForeignCursor from None
    if when.utcoffset() is None or not EARLIEST_YEAR <= when.year <= LATEST_YEAR:
        raise ForeignCursor
    if encode_cursor(when, item_id, *values) != cursor:
        raise ForeignCursor
    return tuple(values), when.astimezone(UTC), item_id


Cursor = Annotated[str, StringConstraints(max_length=CURSOR_MAX)]


def issued_by(decode: Callable[[str], object]) -> Callable[[str], str]:
    """A validator of a query's cursor: it must be one that `decode` accepts."""

    def issued_here(cursor: str) -> str:
        decode(cursor)
        return cursor

    return issued_here
