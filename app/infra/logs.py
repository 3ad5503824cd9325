"""Logging of the processes: one JSON object per line in production, readable text in
development (`LOG_FORMAT`: `json`, `text`, or `auto`, which picks by `APP_PROFILE`).

Every record carries a `request_id` (`-` outside requests) and, when tracing is on,
the `trace_id` and `span_id` of the span it was written in. Extra fields given to a log
call (the access line's status, route, duration, user id) become JSON keys. Nothing here
adds headers, tokens or bodies: what a log line holds is what its call passed.

A record is one line in either format, whatever a client sent: JSON escapes control
characters, and the text format writes them as escapes (`\n`, `\x1b`), so a path with
`%0a` in it cannot start a line of its own. Only a traceback spans several lines.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import IO

from opentelemetry import trace
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
TRACED_TEXT_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(trace_id)s %(span_id)s] %(message)s"
)
JSON_FIELDS = "{levelname}{name}{request_id}{message}"
TRACED_JSON_FIELDS = "{levelname}{name}{request_id}{trace_id}{span_id}{message}"
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "gunicorn.error")
"""The servers' own loggers: routed through the same handler, in the same format."""
INDISCREET_LOGGERS = ("aiosqlite",)
"""Libraries that log statements with their values at DEBUG (password hashes among them):
held at INFO whatever LOG_LEVEL says."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(character: re.Match[str]) -> str:
    found = character.group()
    return _NAMED.get(found) or found.encode("unicode_escape").decode("ascii")


class OneLineFormatter(logging.Formatter):
    """The text format, with every control character of the record written as an escape."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return _CONTROL.sub(_escaped, super().formatMessage(record))


class DefaultRequestId(logging.Filter):
    """Gives records written outside any request the placeholder request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = "-"
        return True


class TraceIds(logging.Filter):
    """Gives every record the `trace_id` and `span_id` of the current span (hex, as
    tracing back ends show them), `-` outside any span."""

    def filter(self, record: logging.LogRecord) -> bool:
        here = trace.get_current_span().get_span_context()
        if here.is_valid:
            record.trace_id = format(here.trace_id, "032x")
            record.span_id = format(here.span_id, "016x")
        else:
            record.trace_id = record.span_id = "-"
        return True


def uses_json(log_format: str, profile: str) -> bool:
    return log_format == "json" or (log_format == "auto" and profile == "production")


def build_handler(
    *,
    json_lines: bool,
    filters: Iterable[logging.Filter] = (),
    stream: IO[str] | None = None,
    traced: bool = False,
) -> logging.Handler:
    """A handler writing to `stream` (standard error by default) in the chosen format;
    `traced`: with the trace and span ids."""
    handler = logging.StreamHandler(stream)
    for log_filter in (*filters, DefaultRequestId(), *([TraceIds()] if traced else [])):
        handler.addFilter(log_filter)
    if json_lines:
        handler.setFormatter(
            JsonFormatter(
                TRACED_JSON_FIELDS if traced else JSON_FIELDS,
                style="{",
                rename_fields={"levelname": "level", "name": "logger"},
                # uvicorn adds a copy of its message with terminal colours: not for JSON.
                reserved_attrs=[*RESERVED_ATTRS, "color_message"],
                timestamp=True,
            )
        )
    else:
        handler.setFormatter(OneLineFormatter(TRACED_TEXT_FORMAT if traced else TEXT_FORMAT))
    return handler


def configure_logging(
    *, level: str, json_lines: bool, filters: Iterable[logging.Filter] = (), traced: bool = False
) -> None:
    """The process's logging: one handler on the root logger, which the servers' loggers
    use too. A root logger that has a handler already (a test runner's) keeps it."""
    handler = build_handler(json_lines=json_lines, filters=filters, traced=traced)
    logging.basicConfig(level=level, handlers=[handler])
    for name in SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    for name in INDISCREET_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
