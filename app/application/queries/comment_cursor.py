"""Cursors of comment pages: the (created_at, id) of the last comment, opaque to clients.

A cursor is accepted only if it is exactly one this service could have issued: every
part is checked and the whole must encode back to the same text, so nothing forged
reaches the database.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from app.application.ports.readers import CommentsPosition
from app.domain.identity import is_well_formed_id

CURSOR_MAX = 200
_EARLIEST, _LATEST = 1000, 9999
"""Years a stored timestamp can have (MariaDB's DATETIME range)."""


def encode_cursor(position: CommentsPosition) -> str:
    when = position.created_at.astimezone(UTC).isoformat()
    raw = json.dumps([when, position.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> CommentsPosition:
    """The position a cursor stands for; ValueError for anything not issued here."""
    refused = ValueError("cursor is not one this service issued")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise refused from None
    if not (isinstance(decoded, list) and len(decoded) == 2):
        raise refused
    created_at, comment_id = decoded
    if not (isinstance(created_at, str) and isinstance(comment_id, str)):
        raise refused
    if not is_well_formed_id(comment_id):
        raise refused
    try:
        when = datetime.fromisoformat(created_at)
    except ValueError:
        raise refused from None
    if when.utcoffset() is None or not _EARLIEST <= when.year <= _LATEST:
        raise refused
    position = CommentsPosition(created_at=when, id=comment_id)
    if encode_cursor(position) != cursor:
        raise refused
    return position
