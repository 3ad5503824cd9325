"""Hooks of the schemathesis run: every well-formed Idempotency-Key it sends is new.

A retry with a key already used answers with the first response, the same post and
`201`, even after that post was deleted, as API.md requires; schemathesis would read
that as a created resource it cannot find. Replay is tested in `tests/api`; here a
valid key is made unique, and a malformed one is sent as generated (it must get `422`).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis

WELL_FORMED = re.compile(r"[\x21-\x7e]{1,255}")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and WELL_FORMED.fullmatch(key):
        headers["Idempotency-Key"] = uuid.uuid4().hex
