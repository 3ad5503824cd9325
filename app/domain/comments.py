"""The Comment aggregate: a reader's remark on a post."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.domain.errors import Forbidden, InvalidInput
from app.domain.events import DomainEvent, RecordsEvents
from app.domain.identity import new_id

BODY_MAX = 5_000


@dataclass(frozen=True, kw_only=True)
class CommentCreated(DomainEvent):
    comment_id: str
    post_id: str
    author_id: str


@dataclass(frozen=True, kw_only=True)
class CommentDeleted(DomainEvent):
    comment_id: str
    post_id: str
    author_id: str


@dataclass(slots=True, kw_only=True)
class Comment(RecordsEvents):
    id: str
    post_id: str
    author_id: str
    body: str
    created_at: datetime
    _pending_events: list[DomainEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def create(cls, *, post_id: str, author_id: str, body: str, now: datetime) -> Comment:
        if not 1 <= len(body) <= BODY_MAX:
            raise InvalidInput(f"body must be 1..{BODY_MAX} characters", field="body")
        comment = cls(id=new_id(), post_id=post_id, author_id=author_id, body=body, created_at=now)
        comment.record(
            CommentCreated(
                occurred_at=now, comment_id=comment.id, post_id=post_id, author_id=author_id
            )
        )
        return comment

    def ensure_can_be_deleted_by(self, user_id: str, *, post_author_id: str) -> None:
        """The comment's author may take it back; the post's author may moderate it."""
        if user_id not in (self.author_id, post_author_id):
            raise Forbidden("only the comment's author or the post's author may delete it")

    def delete(self, *, now: datetime) -> None:
        """Record that the comment is gone; the repository removes it."""
        self.record(
            CommentDeleted(
                occurred_at=now, comment_id=self.id, post_id=self.post_id, author_id=self.author_id
            )
        )
