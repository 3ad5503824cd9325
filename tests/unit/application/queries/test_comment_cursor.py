"""Cursors of comment pages: what this service issues comes back, nothing else gets in."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.application.ports.comments import CommentsPosition
from app.application.queries.comments import decode_cursor, encode_cursor

AN_ID = "01890000-0000-7000-8000-00000000a0da"


def _forged(value: object) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class TestCursor:
    @pytest.mark.parametrize(
        "when", [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 0, 7, tzinfo=UTC)]
    )
    def test_an_issued_cursor_comes_back_as_its_position(self, when: datetime) -> None:
        position = CommentsPosition(created_at=when, id=AN_ID)

        assert decode_cursor(encode_cursor(position)) == position

    def test_a_position_in_another_zone_is_issued_in_utc(self) -> None:
        local = datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))

        decoded = decode_cursor(encode_cursor(CommentsPosition(created_at=local, id=AN_ID)))

        assert decoded.created_at == local
        assert decoded.created_at.utcoffset() == timedelta(0)

    @pytest.mark.parametrize(
        "cursor",
        [
            "",
            "not-a-cursor",
            "%%%",
            "é",
            _forged([]),
            _forged({"created_at": "2026-01-01T00:00:00+00:00", "id": AN_ID}),
            _forged(["2026-01-01T00:00:00+00:00"]),
            _forged(["2026-01-01T00:00:00+00:00", AN_ID, "extra"]),
            _forged(["2026-01-01T00:00:00+00:00", 7]),
            _forged([7, AN_ID]),
            _forged(["2026-01-01T00:00:00+00:00", "x"]),
            _forged(["2026-01-01T00:00:00+00:00", AN_ID.upper()]),
            _forged(["2026-01-01T00:00:00+00:00", AN_ID + "\x00"]),
            _forged(["2026-01-01T00:00:00", AN_ID]),
            _forged(["yesterday", AN_ID]),
            _forged(["0001-01-01T00:00:00+01:00", AN_ID]),
            _forged(["0999-12-31T00:00:00+00:00", AN_ID]),
            _forged(["2026-01-01T01:00:00+01:00", AN_ID]),
            _forged(["2026-01-01 00:00:00+00:00", AN_ID]),
            _forged(["2026-01-01T00:00:00+00:00", AN_ID]) + "=",
        ],
    )
    def test_anything_this_service_did_not_issue_is_refused(self, cursor: str) -> None:
        with pytest.raises(ValueError, match="cursor"):
            decode_cursor(cursor)
