"""Log lines: one per record in either format, whatever the record's text holds."""

from __future__ import annotations

import json
import logging
import sys
from io import StringIO

import pytest

from app.application.tracing import span
from app.infra.logs import build_handler
from tests.tracing import Spans
from tests.tracing import spans as spans  # the fixture

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


class TestTraceIds:
    def _line(self, json_lines: bool, *, traced: bool) -> str:
        stream = StringIO()
        handler = build_handler(json_lines=json_lines, stream=stream, traced=traced)
        handler.handle(logging.LogRecord("app", logging.INFO, __file__, 1, "hello", (), None))
        return stream.getvalue().strip()

    def test_a_record_written_in_a_span_carries_its_ids(self, spans: Spans) -> None:
        with span("logging") as current:
            written_json = json.loads(self._line(True, traced=True))
            written_text = self._line(False, traced=True)

        context = current.get_span_context()
        ids = f"{context.trace_id:032x}", f"{context.span_id:016x}"
        assert (written_json["trace_id"], written_json["span_id"]) == ids
        assert f"[- {ids[0]} {ids[1]}] hello" in written_text

    def test_outside_any_span_the_ids_are_placeholders(self) -> None:
        assert (json.loads(self._line(True, traced=True))["trace_id"]) == "-"
        assert "[- - -] hello" in self._line(False, traced=True)

    def test_untraced_lines_have_no_trace_fields(self, spans: Spans) -> None:
        with span("logging"):
            assert "trace_id" not in json.loads(self._line(True, traced=False))
            assert "[-] hello" in self._line(False, traced=False)
