"""Time-ordered ids and the UTC clock."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from app.domain.identity import new_id, utc_now


class TestNewId:
    def test_id_is_a_version_7_uuid_in_canonical_text(self) -> None:
        text = new_id()

        parsed = uuid.UUID(text)
        assert parsed.version == 7
        assert str(parsed) == text

    def test_ids_are_unique_and_sort_in_creation_order(self) -> None:
        ids = [new_id() for _ in range(2000)]

        assert len(set(ids)) == len(ids)
        assert ids == sorted(ids)

    def test_ids_a_millisecond_apart_sort_in_creation_order(self) -> None:
        first = new_id()
        time.sleep(0.002)
        second = new_id()

        assert first < second

    def test_id_embeds_its_creation_time_in_milliseconds(self) -> None:
        before = int(time.time() * 1000)
        millis = uuid.UUID(new_id()).int >> 80
        after = int(time.time() * 1000)

        assert before <= millis <= after


class TestUtcNow:
    def test_now_is_timezone_aware_utc(self) -> None:
        now = utc_now()

        assert now.tzinfo is not None
        assert now.utcoffset() == timedelta(0)

    def test_now_is_the_current_time(self) -> None:
        before = datetime.now(UTC)
        now = utc_now()
        after = datetime.now(UTC)

        assert before <= now <= after

    def test_now_is_computed_at_each_call(self) -> None:
        first = utc_now()
        time.sleep(0.001)

        assert utc_now() > first
