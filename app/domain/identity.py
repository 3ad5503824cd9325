"""Identifiers and clock: time-ordered ids and timezone-aware UTC timestamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import uuid_utils


def new_id() -> str:
    """A new UUIDv7 as text: unique and ordered by creation time."""
    return str(uuid_utils.uuid7())


ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_ID = re.compile(ID_PATTERN)


def is_well_formed_id(text: str) -> bool:
    """True for ids as `new_id` writes them; nothing else can name a stored entity."""
    return _ID.fullmatch(text) is not None


def utc_now() -> datetime:
    """The current time, always timezone-aware UTC, computed at each call."""
    return datetime.now(UTC)
