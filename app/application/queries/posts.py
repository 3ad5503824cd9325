"""Post queries: one post, and filtered pages of posts with keyset cursors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)

from app.application import cache_tags
from app.application.caching import ResultCache, cached
from app.application.handlers import QueryService, query_handler
from app.application.ports.readers import PostsFilter, PostsPosition, PostView
from app.application.ports.units_of_work import ReadUnitOfWorkFactory
from app.application.queries import keyset
from app.domain.errors import NotFound
from app.domain.identity import ID_PATTERN, is_well_formed_id
from app.domain.posts import TAG_PATTERN

Order = Literal["asc", "desc"]


ORDERS: tuple[Order, ...] = ("asc", "desc")


def encode_cursor(position: PostsPosition, order: Order) -> str:
    return keyset.encode_cursor(position.created_at, position.id, order)


def decode_cursor(cursor: str) -> tuple[Order, PostsPosition]:
    """The order and position a cursor stands for; ValueError for anything not issued here."""
    (order,), created_at, post_id = keyset.decode_cursor(cursor, leading=[ORDERS])
    return ("asc" if order == "asc" else "desc"), PostsPosition(created_at=created_at, id=post_id)


PostsCursor = Annotated[keyset.Cursor, AfterValidator(keyset.issued_by(decode_cursor))]


class PostsQuery(BaseModel):
    """Filters, order and position of a page of posts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    author_id: Annotated[str, StringConstraints(pattern=ID_PATTERN)] | None = Field(
        default=None, description="only this user's posts"
    )
    tag: (
        Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=TAG_PATTERN)] | None
    ) = Field(default=None, description="only posts carrying this tag")
    q: (
        Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]
        | None
    ) = Field(
        default=None,
        description="only posts whose title contains this text, in any case (titles only, "
        "not bodies or tags; `%` and `_` match themselves)",
    )
    order: Order = Field(default="desc", description="`desc`: newest first; `asc`: oldest first")
    limit: int = Field(default=20, ge=1, le=100, description="posts per page, 1 to 100")
    cursor: PostsCursor | None = Field(
        default=None,
        description="the previous page's `next_cursor`, issued for the same `order`; "
        "absent for the first page",
    )

    _decoded: tuple[str, PostsPosition] | None = PrivateAttr(default=None)
    """The cursor decoded at validation, so a request decodes it once more at most."""

    @model_validator(mode="after")
    def _cursor_matches_order(self) -> Self:
        if self.cursor is not None:
            order, position = decode_cursor(self.cursor)
            if order != self.order:
                raise ValueError("cursor was issued for the other order")
            self._decoded = (self.cursor, position)
        return self

    @property
    def after(self) -> PostsPosition | None:
        """Where the previous page ended, or None for the first page."""
        if self.cursor is None:
            return None
        if self._decoded is not None and self._decoded[0] == self.cursor:
            return self._decoded[1]
        return decode_cursor(self.cursor)[1]  # a copy made without validation


@dataclass(frozen=True, slots=True, kw_only=True)
class PostsResult:
    total: int
    items: list[PostView]
    next_cursor: str | None


COUNT_TTL_SECONDS = 5.0
"""How long a list's `total` may be reused: API.md lets it lag writes by a few seconds."""


class PostQueryService(QueryService):
    """Posts by id and by page.

    A page's `total` is a `COUNT` over every match, the one part of a page whose cost
    grows with the table; it comes from `count_cache`, keyed by the filter alone (so
    every page of one listing shares it), even when result caching is off. With a shared
    cache its tags drop it at the next write; with the process-local fallback it lags
    writes by at most `COUNT_TTL_SECONDS`. Read-your-writes reads count afresh.
    """

    count_cache: ResultCache | None

    def __init__(
        self,
        read_uow: ReadUnitOfWorkFactory,
        result_cache: ResultCache | None = None,
        count_cache: ResultCache | None = None,
    ) -> None:
        super().__init__(read_uow, result_cache)
        self.count_cache = count_cache

    @query_handler
    @cached(ttl=30, tags=lambda post_id: [cache_tags.post(post_id)])
    async def get_post(self, post_id: str) -> PostView:
        post = await self.uow.posts.get(post_id) if is_well_formed_id(post_id) else None
        if post is None:
            raise NotFound(f"post {post_id} does not exist")
        return post

    @query_handler
    @cached(
        ttl=30,
        tags=lambda query: [cache_tags.post_list(author_id=query.author_id, tag=query.tag)],
    )
    async def get_posts(self, query: PostsQuery) -> PostsResult:
        where = PostsFilter(author_id=query.author_id, tag=query.tag, title_contains=query.q)
        rows = await self.uow.posts.page(
            where, order=query.order, limit=query.limit + 1, after=query.after
        )
        items = rows[: query.limit]
        next_cursor = None
        if len(rows) > query.limit:
            last = items[-1]
            next_cursor = encode_cursor(
                PostsPosition(created_at=last.created_at, id=last.id), query.order
            )
        total = await self.count_posts(where)
        return PostsResult(total=total, items=items, next_cursor=next_cursor)

    @query_handler
    @cached(
        ttl=COUNT_TTL_SECONDS,
        tags=lambda where: [cache_tags.post_list(author_id=where.author_id, tag=where.tag)],
        store="count_cache",
    )
    async def count_posts(self, where: PostsFilter) -> int:
        """How many posts match, all pages together."""
        return await self.uow.posts.count(where)
