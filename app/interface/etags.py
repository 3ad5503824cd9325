"""Entity tags of posts: strong, derived from id and version."""

from __future__ import annotations

import re

_ISSUED_VERSION = re.compile(r"[1-9][0-9]{0,17}")
"""A version as `etag_of` writes it: ASCII digits, no leading zero; nothing else matches."""


def etag_of(post_id: str, version: int) -> str:
    return f'"{post_id}.{version}"'


def _tags(header: str) -> list[str]:
    return [part.strip() for part in header.split(",") if part.strip()]


def accepted_versions(if_match: str | None, post_id: str) -> frozenset[int] | None:
    """Versions of the post that If-Match accepts; None when any version will do.

    Weak tags never match (If-Match uses strong comparison). A header that names no
    version of this post accepts none, so the write is refused once the post is found
    and the caller is known to be its author (404 and 403 come first).
    """
    if if_match is None or if_match.strip() == "*":
        return None
    versions = set()
    prefix = f'"{post_id}.'
    for tag in _tags(if_match):
        if tag.startswith(prefix) and tag.endswith('"'):
            number = tag[len(prefix) : -1]
            if _ISSUED_VERSION.fullmatch(number):
                versions.add(int(number))
    return frozenset(versions)


def none_match(if_none_match: str | None, current: str) -> bool:
    """True when If-None-Match matches the current tag (weak comparison)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.removeprefix("W/") == current for tag in _tags(if_none_match))
