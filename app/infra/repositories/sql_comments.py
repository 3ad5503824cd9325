"""Comments in SQL: the write repository (row locks) and the reader (keyset pages).

As for posts, the keyset condition is spelled `created_at > :c OR (created_at = :c AND
id > :i)`, which MariaDB range-scans on the (post_id, created_at, id) index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import String, Text, and_, bindparam, delete, func, insert, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from app.application.ports.comments import CommentsPosition, CommentView
from app.domain.comments import Comment
from app.domain.errors import NotFound, Unauthorized
from app.domain.events import RecordsEvents
from app.infra.db.tables import comments, posts
from app.infra.db.types import UtcDateTime
from app.infra.repositories.connections import ConnectionSource

_COLUMNS = (
    comments.c.id,
    comments.c.post_id,
    comments.c.author_id,
    comments.c.body,
    comments.c.created_at,
)
_OLDEST_FIRST = (comments.c.created_at.asc(), comments.c.id.asc())
_BY_ID = select(*_COLUMNS).where(comments.c.id == bindparam("comment_id"))
_BY_ID_FOR_UPDATE = _BY_ID.with_for_update()
_OF_POST_FOR_UPDATE = (
    select(*_COLUMNS)
    .where(comments.c.post_id == bindparam("post_id"))
    .order_by(*_OLDEST_FIRST)
    .with_for_update()
)
_POST_EXISTS = select(posts.c.id).where(posts.c.id == bindparam("post_id"))
_DELETE_CHUNK = 500


def _fields(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "post_id": row.post_id,
        "author_id": row.author_id,
        "body": row.body,
        "created_at": row.created_at,
    }


class SqlCommentRepository:
    def __init__(self, session: AsyncSession, track: Callable[[RecordsEvents], None]) -> None:
        self._session = session
        self._track = track

    async def add(self, comment: Comment) -> None:
        self._track(comment)
        # Inserted only if the post exists when the statement runs: no post, no row.
        values = select(
            literal(comment.id, String()),
            posts.c.id,
            literal(comment.author_id, String()),
            literal(comment.body, Text()),
            literal(comment.created_at, UtcDateTime()),
        ).where(posts.c.id == comment.post_id)
        statement = insert(comments).from_select(
            ["id", "post_id", "author_id", "body", "created_at"], values
        )
        try:
            result = await self._session.execute(statement)
        except IntegrityError as error:
            # A foreign key refused it: the author, or a post deleted meanwhile.
            if await self._post_exists(comment.post_id):
                raise Unauthorized(f"user {comment.author_id} does not exist") from error
            raise NotFound(f"post {comment.post_id} does not exist") from error
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound(f"post {comment.post_id} does not exist")

    async def get(self, comment_id: str) -> Comment | None:
        row = (await self._session.execute(_BY_ID_FOR_UPDATE, {"comment_id": comment_id})).first()
        return None if row is None else Comment(**_fields(row))

    async def of_post(self, post_id: str) -> list[Comment]:
        rows = (await self._session.execute(_OF_POST_FOR_UPDATE, {"post_id": post_id})).all()
        return [Comment(**_fields(row)) for row in rows]

    async def delete(self, *deleted: Comment) -> None:
        for comment in deleted:
            self._track(comment)
        ids = [comment.id for comment in deleted]
        for start in range(0, len(ids), _DELETE_CHUNK):
            chunk = ids[start : start + _DELETE_CHUNK]
            await self._session.execute(delete(comments).where(comments.c.id.in_(chunk)))

    async def author_count(self, author_id: str) -> int:
        query = select(func.count()).select_from(comments).where(comments.c.author_id == author_id)
        return int((await self._session.execute(query)).scalar_one())

    async def _post_exists(self, post_id: str) -> bool:
        found = await self._session.execute(_POST_EXISTS, {"post_id": post_id})
        return found.first() is not None


def _after(position: CommentsPosition) -> ColumnElement[bool]:
    return or_(
        comments.c.created_at > position.created_at,
        and_(comments.c.created_at == position.created_at, comments.c.id > position.id),
    )


class SqlCommentReader:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def get(self, comment_id: str) -> CommentView | None:
        connection = await self._connection()
        row = (await connection.execute(_BY_ID, {"comment_id": comment_id})).first()
        return None if row is None else CommentView(**_fields(row))

    async def count(self, post_id: str) -> int:
        query = select(func.count()).select_from(comments).where(comments.c.post_id == post_id)
        connection = await self._connection()
        return int((await connection.execute(query)).scalar_one())

    async def page(
        self, post_id: str, *, limit: int, after: CommentsPosition | None
    ) -> list[CommentView]:
        query = select(*_COLUMNS).where(comments.c.post_id == post_id)
        if after is not None:
            query = query.where(_after(after))
        connection = await self._connection()
        rows = (await connection.execute(query.order_by(*_OLDEST_FIRST).limit(limit))).all()
        return [CommentView(**_fields(row)) for row in rows]
