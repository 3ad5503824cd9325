"""The Post aggregate: its invariants and the rules of editing it."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from app.domain.errors import Forbidden, InvalidInput, PreconditionFailed
from app.domain.events import DomainEvent, PostCreated, PostDeleted, PostUpdated, RecordsEvents
from app.domain.identity import new_id

TITLE_MAX = 200
BODY_MAX = 100_000
TAGS_MAX = 10
TAG_MAX = 30
TAG_PATTERN = r"^[a-z0-9-]{1,30}$"
_TAG = re.compile(TAG_PATTERN)


def normalize_tags(tags: list[str]) -> list[str]:
    """Validate tags and drop duplicates, keeping the first occurrence's order."""
    unique = list(dict.fromkeys(tags))
    if len(unique) > TAGS_MAX:
        raise InvalidInput(f"at most {TAGS_MAX} tags are allowed", field="tags")
    for tag in unique:
        if not _TAG.fullmatch(tag):
            raise InvalidInput(
                f"tag {tag!r} must be 1..{TAG_MAX} characters of a-z, 0-9 and '-'",
                field="tags",
            )
    return unique


def _check_title(title: str) -> str:
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidInput(f"title must be 1..{TITLE_MAX} characters", field="title")
    return title


def _check_body(body: str) -> str:
    if not 1 <= len(body) <= BODY_MAX:
        raise InvalidInput(f"body must be 1..{BODY_MAX} characters", field="body")
    return body


@dataclass(slots=True, kw_only=True)
class Post(RecordsEvents):
    id: str
    title: str
    body: str
    author_id: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    tags: list[str] = field(default_factory=list)
    _pending_events: list[DomainEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def create(
        cls, *, title: str, body: str, tags: list[str], author_id: str, now: datetime
    ) -> Post:
        post = cls(
            id=new_id(),
            title=_check_title(title),
            body=_check_body(body),
            tags=normalize_tags(tags),
            author_id=author_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        post.record(
            PostCreated(
                occurred_at=now, post_id=post.id, author_id=author_id, tags=tuple(post.tags)
            )
        )
        return post

    def ensure_can_be_changed_by(
        self, user_id: str, accepted_versions: Collection[int] | None
    ) -> None:
        """Only the author may change a post, and only from a version they have seen.

        `accepted_versions` is None when the caller states no expectation.
        """
        if self.author_id != user_id:
            raise Forbidden("only the author may change this post")
        if accepted_versions is not None and self.version not in accepted_versions:
            raise PreconditionFailed("the post has changed since it was read")

    def edit(
        self,
        *,
        now: datetime,
        title: str | None = None,
        body: str | None = None,
        tags: list[str] | None = None,
    ) -> None:
        """Apply the given changes and move to the next version: all of them, or none."""
        new_title = self.title if title is None else _check_title(title)
        new_body = self.body if body is None else _check_body(body)
        new_tags = self.tags if tags is None else normalize_tags(tags)
        previous_tags = tuple(self.tags)
        self.title, self.body, self.tags = new_title, new_body, new_tags
        self.updated_at = max(now, self.updated_at)
        self.version += 1
        self.record(
            PostUpdated(
                occurred_at=now,
                post_id=self.id,
                author_id=self.author_id,
                version=self.version,
                tags=tuple(self.tags),
                previous_tags=previous_tags,
            )
        )

    def delete(self, *, now: datetime) -> None:
        """Record that the post is gone; the repository removes it."""
        self.record(
            PostDeleted(
                occurred_at=now, post_id=self.id, author_id=self.author_id, tags=tuple(self.tags)
            )
        )
