"""Hooks of the schemathesis run: every well-formed Idempotency-Key it sends is new, and
no query string is long enough to be refused before routing.

A retry with a key already used answers with the first response, the same post and
`201`, even after that post was deleted, as API.md requires; schemathesis would read
that as a created resource it cannot find. Replay is tested in `tests/api`; here a
valid key is made unique, and a malformed one is sent as generated (it must get `422`).

A URL past MAX_URL_BYTES is answered `414` before any route sees it (tested in
`tests/api/test_security.py`); schemathesis would count that as an invalid value
accepted. Its generated query strings are kept well below the limit.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis

WELL_FORMED = re.compile(r"[\x21-\x7e]{1,255}")
QUERY_CHARACTERS_MAX = 500
"""At most 12 bytes each once percent-encoded: far below the 8 KiB URL limit."""


@schemathesis.hook
def filter_query(context: Any, query: dict[str, Any] | None) -> bool:
    if not query:
        return True
    return (
        sum(len(str(key)) + len(str(value)) for key, value in query.items()) <= QUERY_CHARACTERS_MAX
    )


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and WELL_FORMED.fullmatch(key):
        headers["Idempotency-Key"] = uuid.uuid4().hex
