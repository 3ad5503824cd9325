"""Log lines: one per record in either format, whatever the record's text holds."""

from __future__ import annotations

import json
import logging
import sys
from io import StringIO

import pytest

from app.infra.logs import build_handler

HOSTILE = "GET /a\nFAKE 200\r\x1b[31m\u2028\x85 end"


def _written(json_lines: bool, message: str, *, with_traceback: bool = False) -> str:
    stream = StringIO()
    handler = build_handler(json_lines=json_lines, stream=stream)
    record = logging.LogRecord("app.access", logging.INFO, __file__, 1, "%s", (message,), None)
    if with_traceback:
        try:
            raise ValueError("boom")
        except ValueError:
            record.exc_info = sys.exc_info()
    handler.handle(record)
    return stream.getvalue()


class TestTextLines:
    def test_control_characters_are_written_as_escapes(self) -> None:
        [line] = _written(False, HOSTILE).splitlines()

        assert line.endswith(r"GET /a\nFAKE 200\r\x1b[31m\u2028\x85 end")

    def test_a_traceback_keeps_its_lines(self) -> None:
        written = _written(False, "failed", with_traceback=True)

        assert len(written.splitlines()) > 2
        assert "ValueError: boom" in written


@pytest.mark.parametrize("json_lines", [False, True], ids=["text", "json"])
def test_a_record_is_one_line_in_either_format(json_lines: bool) -> None:
    [line] = _written(json_lines, HOSTILE).splitlines()

    if json_lines:
        assert json.loads(line)["message"] == HOSTILE
