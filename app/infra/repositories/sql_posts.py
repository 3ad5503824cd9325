"""Posts in SQL: the write repository (optimistic versions, row locks) and the reader.

Keyset conditions are spelled `created_at < :c OR (created_at = :c AND id < :i)`:
MariaDB range-scans the (created_at, id) index for that form, while the row-value form
`(created_at, id) < (:c, :i)` walks the whole index.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Integer, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from app.application.ports.readers import PostsFilter, PostsPosition, PostView
from app.domain.errors import NotFound, PreconditionFailed
from app.domain.events import RecordsEvents
from app.domain.posts import Post
from app.infra.db.tables import post_tags, posts
from app.infra.repositories.connections import ConnectionSource

_COLUMNS = (
    posts.c.id,
    posts.c.title,
    posts.c.body,
    posts.c.tags,
    posts.c.author_id,
    posts.c.created_at,
    posts.c.updated_at,
    posts.c.version,
)

# Built once: a statement object reused keeps its compiled form and cache key.
_BY_ID = select(*_COLUMNS).where(posts.c.id == bindparam("post_id"))
_BY_ID_FOR_UPDATE = _BY_ID.with_for_update()
# Built once: a statement made per call costs its construction and cache key every time.
_INSERT = insert(posts)
_INSERT_TAGS = insert(post_tags)


def _as_utc(value: datetime | str | None) -> datetime | None:
    """MAX() over the column loses its type on SQLite: bring the value back to aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _split_tags(text: str) -> list[str]:
    return text.split(",") if text else []


def _fields(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "body": row.body,
        "tags": _split_tags(row.tags),
        "author_id": row.author_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "version": row.version,
    }


def _post(row: Any) -> Post:
    return Post(**_fields(row))


def _view(row: Any) -> PostView:
    return PostView(**_fields(row))


class SqlPostRepository:
    def __init__(self, session: AsyncSession, track: Callable[[RecordsEvents], None]) -> None:
        self._session = session
        self._track = track

    async def add(self, post: Post) -> None:
        self._track(post)
        try:
            await self._session.execute(
                _INSERT,
                {
                    "id": post.id,
                    "title": post.title,
                    "title_lower": post.title.lower(),
                    "body": post.body,
                    "tags": ",".join(post.tags),
                    "author_id": post.author_id,
                    "created_at": post.created_at,
                    "updated_at": post.updated_at,
                    "version": post.version,
                },
            )
        except IntegrityError as error:
            # The foreign key checks the author atomically with the insert.
            raise NotFound(f"user {post.author_id} does not exist") from error
        await self._insert_tags(post)

    async def get(self, post_id: str) -> Post | None:
        """The post, locked until the end of the transaction where the database can lock rows."""
        row = (await self._session.execute(_BY_ID_FOR_UPDATE, {"post_id": post_id})).first()
        return None if row is None else _post(row)

    async def update(self, post: Post, *, previous_version: int) -> None:
        self._track(post)
        result = await self._session.execute(
            update(posts)
            .where(posts.c.id == post.id, posts.c.version == previous_version)
            .values(
                title=post.title,
                title_lower=post.title.lower(),
                body=post.body,
                tags=",".join(post.tags),
                updated_at=post.updated_at,
                version=post.version,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise PreconditionFailed("the post has changed since it was read")
        await self._session.execute(delete(post_tags).where(post_tags.c.post_id == post.id))
        await self._insert_tags(post)

    async def delete(self, post: Post) -> None:
        self._track(post)
        await self._session.execute(delete(post_tags).where(post_tags.c.post_id == post.id))
        result = await self._session.execute(
            delete(posts).where(posts.c.id == post.id, posts.c.version == post.version)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise PreconditionFailed("the post has changed since it was read")

    async def author_stats(self, author_id: str) -> tuple[int, datetime | None]:
        query = select(func.count(), func.max(posts.c.created_at)).where(
            posts.c.author_id == author_id
        )
        count, newest = (await self._session.execute(query)).one()
        return int(count), _as_utc(newest)

    async def _insert_tags(self, post: Post) -> None:
        if post.tags:
            await self._session.execute(
                _INSERT_TAGS,
                [
                    {"post_id": post.id, "tag": tag, "created_at": post.created_at}
                    for tag in post.tags
                ],
            )


_LIKE_ESCAPE = "/"


def _contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere in a lower-cased title, wildcards escaped."""
    escaped = text.lower()
    for special in (_LIKE_ESCAPE, "%", "_"):
        escaped = escaped.replace(special, _LIKE_ESCAPE + special)
    return f"%{escaped}%"


@functools.cache
def _page_statement(
    *, tag: bool, author: bool, title: bool, order: Literal["asc", "desc"], after: bool
) -> Select[Any]:
    """The page query of one shape of filter, with every value a bound parameter: built
    once per shape, so a page costs no statement construction or cache key."""
    # With a tag, sort on the tag table's copy of the key so its index serves the range.
    if tag:
        created_at, post_id = post_tags.c.created_at, post_tags.c.post_id
    else:
        created_at, post_id = posts.c.created_at, posts.c.id
    query = select(*_COLUMNS)
    if tag:
        query = query.join(post_tags, post_tags.c.post_id == posts.c.id).where(
            post_tags.c.tag == bindparam("tag")
        )
    if author:
        query = query.where(posts.c.author_id == bindparam("author_id"))
    if title:
        query = query.where(
            posts.c.title_lower.like(bindparam("title_pattern"), escape=_LIKE_ESCAPE)
        )
    if after:
        at: BindParameter[Any] = bindparam("after_created_at")
        last_id: BindParameter[Any] = bindparam("after_id")
        if order == "desc":
            query = query.where(or_(created_at < at, and_(created_at == at, post_id < last_id)))
        else:
            query = query.where(or_(created_at > at, and_(created_at == at, post_id > last_id)))
    if order == "desc":
        query = query.order_by(created_at.desc(), post_id.desc())
    else:
        query = query.order_by(created_at.asc(), post_id.asc())
    return query.limit(bindparam("limit", type_=Integer))


def _filtered(query: Select[Any], where: PostsFilter) -> Select[Any]:
    if where.tag is not None:
        query = query.join(post_tags, post_tags.c.post_id == posts.c.id).where(
            post_tags.c.tag == where.tag
        )
    if where.author_id is not None:
        query = query.where(posts.c.author_id == where.author_id)
    if where.title_contains is not None:
        query = query.where(
            posts.c.title_lower.contains(where.title_contains.lower(), autoescape=True)
        )
    return query


class SqlPostReader:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def get(self, post_id: str) -> PostView | None:
        connection = await self._connection()
        row = (await connection.execute(_BY_ID, {"post_id": post_id})).first()
        return None if row is None else _view(row)

    async def count(self, where: PostsFilter) -> int:
        connection = await self._connection()
        if where.tag is not None and where.author_id is None and where.title_contains is None:
            # A tag alone is counted on its index: every tag row belongs to a live post
            # (deleted with it), and the join to posts would read each matching post.
            query = select(func.count()).select_from(post_tags).where(post_tags.c.tag == where.tag)
        else:
            query = _filtered(select(func.count()).select_from(posts), where)
        return int((await connection.execute(query)).scalar_one())

    async def page(
        self,
        where: PostsFilter,
        *,
        order: Literal["asc", "desc"],
        limit: int,
        after: PostsPosition | None,
    ) -> list[PostView]:
        query = _page_statement(
            tag=where.tag is not None,
            author=where.author_id is not None,
            title=where.title_contains is not None,
            order=order,
            after=after is not None,
        )
        values: dict[str, Any] = {"limit": limit}
        if where.tag is not None:
            values["tag"] = where.tag
        if where.author_id is not None:
            values["author_id"] = where.author_id
        if where.title_contains is not None:
            values["title_pattern"] = _contains_pattern(where.title_contains)
        if after is not None:
            values["after_created_at"], values["after_id"] = after.created_at, after.id
        connection = await self._connection()
        rows = (await connection.execute(query, values)).all()
        return [_view(row) for row in rows]
