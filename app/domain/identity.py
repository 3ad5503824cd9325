"""Identifiers and clock: time-ordered ids and timezone-aware UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import uuid_utils


def new_id() -> str:
    """A new UUIDv7 as text: unique and ordered by creation time."""
    return str(uuid_utils.uuid7())


def utc_now() -> datetime:
    """The current time, always timezone-aware UTC, computed at each call."""
    return datetime.now(UTC)
