"""PostQueryService: one post, and keyset pages of posts with opaque cursors."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from pydantic import ValidationError

from app.application.ports.readers import PostsPosition
from app.application.queries.posts import PostQueryService, PostsQuery, encode_cursor
from app.domain.errors import NotFound
from app.domain.identity import new_id
from app.domain.posts import Post
from tests.fakes.clock import T0
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeReadUnitOfWork

ADA = "01890000-0000-7000-8000-00000000a0da"
BOB = "01890000-0000-7000-8000-000000000b0b"


def store(database: FakeDatabase, count: int, *, same_time: bool = False, **fields: str) -> None:
    for i in range(count):
        when = T0 if same_time else T0 + timedelta(seconds=i)
        post = Post.create(
            title=fields.get("title", f"post {i}"),
            body="B",
            tags=[fields["tag"]] if "tag" in fields else [],
            author_id=fields.get("author_id", ADA),
            now=when,
        )
        database.tables.posts[post.id] = post


@pytest.fixture
def queries(database: FakeDatabase) -> PostQueryService:
    return PostQueryService(read_uow=lambda: FakeReadUnitOfWork(database))


async def all_pages(queries: PostQueryService, **params: object) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        query = PostsQuery.model_validate({**params, "cursor": cursor})
        result = await queries.get_posts(query)
        pages.append([item.id for item in result.items])
        cursor = result.next_cursor
        if cursor is None:
            return pages


class TestGetPost:
    async def test_stored_post_is_returned(
        self, queries: PostQueryService, database: FakeDatabase
    ) -> None:
        store(database, 1)
        [post] = database.tables.posts.values()

        view = await queries.get_post(post.id)

        assert (view.id, view.title, view.version) == (post.id, post.title, 1)

    async def test_missing_post_is_not_found(self, queries: PostQueryService) -> None:
        with pytest.raises(NotFound):
            await queries.get_post("missing")


class TestGetPosts:
    @pytest.mark.parametrize("order", ["asc", "desc"])
    @pytest.mark.parametrize("same_time", [False, True])
    async def test_paging_visits_every_post_once_in_order(
        self, queries: PostQueryService, database: FakeDatabase, order: str, same_time: bool
    ) -> None:
        store(database, 7, same_time=same_time)
        expected = sorted(
            database.tables.posts.values(),
            key=lambda p: (p.created_at, p.id),
            reverse=order == "desc",
        )

        pages = await all_pages(queries, order=order, limit=3)

        assert [len(page) for page in pages] == [3, 3, 1]
        assert [i for page in pages for i in page] == [p.id for p in expected]

    async def test_total_counts_every_match_not_just_the_page(
        self, queries: PostQueryService, database: FakeDatabase
    ) -> None:
        store(database, 5, tag="python")
        store(database, 4, tag="rust")

        result = await queries.get_posts(PostsQuery(tag="python", limit=2))

        assert result.total == 5
        assert len(result.items) == 2

    async def test_last_page_has_no_next_cursor(
        self, queries: PostQueryService, database: FakeDatabase
    ) -> None:
        store(database, 4)

        result = await queries.get_posts(PostsQuery(limit=4))

        assert len(result.items) == 4
        assert result.next_cursor is None

    async def test_filters_apply_to_every_page(
        self, queries: PostQueryService, database: FakeDatabase
    ) -> None:
        store(database, 3, author_id=ADA)
        store(database, 3, author_id=BOB)

        pages = await all_pages(queries, author_id=BOB, limit=2)

        ids = [i for page in pages for i in page]
        assert len(ids) == 3
        assert {database.tables.posts[i].author_id for i in ids} == {BOB}

    async def test_query_opens_one_read_scope(
        self, queries: PostQueryService, database: FakeDatabase
    ) -> None:
        store(database, 3)

        await queries.get_posts(PostsQuery(limit=2))

        assert database.read_scopes_opened == 1


class TestPostsQuery:
    async def test_cursor_from_desc_order_is_rejected_for_asc(
        self, queries: PostQueryService, database: FakeDatabase
    ) -> None:
        store(database, 3)
        first = await queries.get_posts(PostsQuery(order="desc", limit=1))
        assert first.next_cursor is not None

        with pytest.raises(ValidationError, match="other order"):
            PostsQuery(order="asc", cursor=first.next_cursor)

    @pytest.mark.parametrize(
        "payload",
        [
            b"not json",
            b'["sideways","2026-01-01T12:00:00+00:00","id"]',
            b'["asc","2026-01-01T12:00:00","id"]',
            b'["asc","yesterday","id"]',
            b'["asc","2026-01-01T12:00:00+00:00",7]',
            b'["asc","2026-01-01T12:00:00+00:00"]',
            b"42",
        ],
    )
    def test_cursor_not_issued_by_the_service_is_rejected(self, payload: bytes) -> None:
        cursor = base64.urlsafe_b64encode(payload).decode().rstrip("=")

        with pytest.raises(ValidationError, match="cursor"):
            PostsQuery(cursor=cursor)

    @pytest.mark.parametrize("cursor", ["garbage!", "%%%", "\u00e9t\u00e9", "a"])
    def test_garbage_cursor_is_rejected(self, cursor: str) -> None:
        with pytest.raises(ValidationError):
            PostsQuery(cursor=cursor)

    def test_well_formed_cursor_gives_the_position_after_which_to_read(self) -> None:
        post_id = new_id()
        cursor = encode_cursor(PostsPosition(created_at=T0, id=post_id), "desc")

        query = PostsQuery(cursor=cursor)

        assert query.after is not None
        assert (query.after.created_at, query.after.id) == (T0, post_id)

    def test_the_cursor_is_decoded_once_at_validation(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        cursor = encode_cursor(PostsPosition(created_at=T0, id=new_id()), "desc")
        query = PostsQuery(cursor=cursor)
        monkeypatch.setattr("app.application.queries.posts.decode_cursor", _refuse_decoding)

        assert query.after is not None
        assert query.after.created_at == T0

    def test_a_copy_with_another_cursor_reads_after_that_cursor(self) -> None:
        first, second = (
            encode_cursor(PostsPosition(created_at=T0 + timedelta(minutes=n), id=new_id()), "desc")
            for n in (1, 2)
        )

        copy = PostsQuery(cursor=first).model_copy(update={"cursor": second})

        assert copy.after is not None
        assert copy.after.created_at == T0 + timedelta(minutes=2)

    @pytest.mark.parametrize(
        "parts",
        [
            ["desc", "2099-01-01T00:00:00+00:00", "\ud800"],
            ["desc", "2026-01-01T12:00:00+00:00", "abc"],
            ["sideways", "2026-01-01T12:00:00+00:00", "01890000-0000-7000-8000-00000000a0da"],
            ["2026-01-01T12:00:00+00:00", "01890000-0000-7000-8000-00000000a0da"],
        ],
        ids=["lone-surrogate-id", "not-an-id", "unknown-order", "no-order"],
    )
    def test_a_cursor_with_any_part_forged_is_rejected(self, parts: list[str]) -> None:
        raw = json.dumps(parts, separators=(",", ":")).encode()

        with pytest.raises(ValidationError, match="cursor"):
            PostsQuery(cursor=base64.urlsafe_b64encode(raw).decode().rstrip("="))

    @pytest.mark.parametrize("limit", [0, 101])
    def test_limit_outside_one_to_a_hundred_is_rejected(self, limit: int) -> None:
        with pytest.raises(ValidationError):
            PostsQuery(limit=limit)


def _refuse_decoding(cursor: str) -> None:
    raise AssertionError(f"decoded again: {cursor}")
