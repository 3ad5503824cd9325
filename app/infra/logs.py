"""Logging of the processes: one JSON object per line in production, readable text in
development (`LOG_FORMAT`: `json`, `text`, or `auto`, which picks by `APP_PROFILE`).

Every record carries a `request_id` (`-` outside requests). Extra fields given to a log
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

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "{levelname}{name}{request_id}{message}"
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


def uses_json(log_format: str, profile: str) -> bool:
    return log_format == "json" or (log_format == "auto" and profile == "production")


def build_handler(
    *, json_lines: bool, filters: Iterable[logging.Filter] = (), stream: IO[str] | None = None
) -> logging.Handler:
    """A handler writing to `stream` (standard error by default) in the chosen format."""
    handler = logging.StreamHandler(stream)
    for log_filter in (*filters, DefaultRequestId()):
        handler.addFilter(log_filter)
    if json_lines:
        handler.setFormatter(
            JsonFormatter(
                JSON_FIELDS,
                style="{",
                rename_fields={"levelname": "level", "name": "logger"},
                # uvicorn adds a copy of its message with terminal colours: not for JSON.
                reserved_attrs=[*RESERVED_ATTRS, "color_message"],
                timestamp=True,
            )
        )
    else:
        handler.setFormatter(OneLineFormatter(TEXT_FORMAT))
    return handler


def configure_logging(
    *, level: str, json_lines: bool, filters: Iterable[logging.Filter] = ()
) -> None:
    """The process's logging: one handler on the root logger, which the servers' loggers
    use too. A root logger that has a handler already (a test runner's) keeps it."""
    handler = build_handler(json_lines=json_lines, filters=filters)
    logging.basicConfig(level=level, handlers=[handler])
    for name in SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    for name in INDISCREET_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
