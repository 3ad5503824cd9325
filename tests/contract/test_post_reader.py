"""PostReader contract: filters, counts, and keyset pages in both orders."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from app.application.ports.readers import PostsFilter, PostsPosition, PostView
from app.application.ports.units_of_work import ReadUnitOfWork
from app.domain.posts import Post
from app.domain.users import User
from tests.contract.builders import T0, a_post, a_user, saved
from tests.contract.conftest import Storage


async def _library(storage: Storage) -> tuple[User, User, list[Post]]:
    ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
    posts = [
        a_post(ada, title="Python tips", tags=["python"], minutes=1),
        a_post(ada, title="Rust notes", tags=["rust", "python"], minutes=2),
        a_post(bob, title="PYTHON at scale", tags=["python", "ops"], minutes=3),
        a_post(bob, title="Cooking 100% right", tags=["food"], minutes=4),
    ]
    await saved(storage.write_uow(), ada)
    await saved(storage.write_uow(), bob, *posts)
    return ada, bob, posts


async def _all_pages(
    reader: ReadUnitOfWork, where: PostsFilter, order: Literal["asc", "desc"], size: int
) -> list[PostView]:
    seen: list[PostView] = []
    after = None
    while True:
        page = await reader.posts.page(where, order=order, limit=size, after=after)
        seen.extend(page)
        if len(page) < size:
            return seen
        after = PostsPosition(created_at=page[-1].created_at, id=page[-1].id)


class TestPostReader:
    async def test_get_returns_the_view(self, storage: Storage) -> None:
        _, _, posts = await _library(storage)
        async with storage.read_uow() as reader:
            view = await reader.posts.get(posts[1].id)
            missing = await reader.posts.get("missing")
        assert view is not None
        assert (view.title, view.tags, view.version) == ("Rust notes", ["rust", "python"], 1)
        assert missing is None

    async def test_newest_come_first_by_default_order(self, storage: Storage) -> None:
        _, _, posts = await _library(storage)
        async with storage.read_uow() as reader:
            page = await reader.posts.page(PostsFilter(), order="desc", limit=10, after=None)
        assert [view.id for view in page] == [post.id for post in reversed(posts)]

    async def test_ascending_order_is_oldest_first(self, storage: Storage) -> None:
        _, _, posts = await _library(storage)
        async with storage.read_uow() as reader:
            page = await reader.posts.page(PostsFilter(), order="asc", limit=10, after=None)
        assert [view.id for view in page] == [post.id for post in posts]

    async def test_filters_combine_and_count_agrees(self, storage: Storage) -> None:
        ada, _, posts = await _library(storage)
        where = PostsFilter(author_id=ada.id, tag="python")
        async with storage.read_uow() as reader:
            page = await reader.posts.page(where, order="asc", limit=10, after=None)
            total = await reader.posts.count(where)
        assert [view.id for view in page] == [posts[0].id, posts[1].id]
        assert total == 2

    async def test_a_tag_count_follows_retagging_and_deletes(self, storage: Storage) -> None:
        _, _, posts = await _library(storage)
        async with storage.write_uow() as uow:
            retagged = await uow.posts.get(posts[0].id)
            gone = await uow.posts.get(posts[2].id)
            assert retagged is not None
            assert gone is not None
            retagged.edit(now=T0 + timedelta(hours=1), tags=["rust"])
            await uow.posts.update(retagged, previous_version=1)
            gone.delete(now=T0 + timedelta(hours=1))
            await uow.posts.delete(gone)
            await uow.commit()

        async with storage.read_uow() as reader:
            counts = {
                tag: await reader.posts.count(PostsFilter(tag=tag))
                for tag in ("python", "rust", "ops", "none")
            }
            listed = await _all_pages(reader, PostsFilter(tag="python"), "desc", 10)

        assert counts == {"python": 1, "rust": 2, "ops": 0, "none": 0}
        assert [view.id for view in listed] == [posts[1].id]

    async def test_title_search_ignores_case(self, storage: Storage) -> None:
        _, _, posts = await _library(storage)
        where = PostsFilter(title_contains="python")
        async with storage.read_uow() as reader:
            page = await reader.posts.page(where, order="asc", limit=10, after=None)
            total = await reader.posts.count(where)
        assert [view.id for view in page] == [posts[0].id, posts[2].id]
        assert total == 2

    async def test_title_search_treats_wildcards_literally(self, storage: Storage) -> None:
        await _library(storage)
        async with storage.read_uow() as reader:
            percent = await reader.posts.count(PostsFilter(title_contains="100%"))
            underscore = await reader.posts.count(PostsFilter(title_contains="_"))
            pages = [
                await reader.posts.page(
                    PostsFilter(title_contains=text), order="asc", limit=10, after=None
                )
                for text in ("100%", "%", "_", "/", "0% R")
            ]
        assert (percent, underscore) == (1, 0)
        assert [[view.title for view in page] for page in pages] == [
            ["Cooking 100% right"],
            ["Cooking 100% right"],
            [],
            [],
            ["Cooking 100% right"],
        ]

    async def test_pages_cover_every_match_once_in_both_orders(self, storage: Storage) -> None:
        _, _, posts = await _library(storage)
        async with storage.read_uow() as reader:
            desc = await _all_pages(reader, PostsFilter(), "desc", 3)
            asc = await _all_pages(reader, PostsFilter(tag="python"), "asc", 1)
        assert [view.id for view in desc] == [post.id for post in reversed(posts)]
        assert [view.id for view in asc] == [posts[0].id, posts[1].id, posts[2].id]

    async def test_equal_timestamps_are_ordered_by_id(self, storage: Storage) -> None:
        author = a_user()
        twins = [a_post(author, title=f"twin {n}", minutes=5) for n in range(4)]
        await saved(storage.write_uow(), author, *twins)
        async with storage.read_uow() as reader:
            seen = await _all_pages(reader, PostsFilter(), "desc", 1)
        assert [view.id for view in seen] == sorted((post.id for post in twins), reverse=True)


class TestExactMatching:
    async def test_title_search_folds_case_beyond_ascii_but_not_accents(
        self, storage: Storage
    ) -> None:
        author = a_user()
        ecole, sisyphus, cafe = (
            a_post(author, title="École d'été", minutes=1),
            a_post(author, title="ΣΊΣΥΦΟΣ", minutes=2),
            a_post(author, title="Café", minutes=3),
        )
        await saved(storage.write_uow(), author, ecole, sisyphus, cafe)

        async with storage.read_uow() as reader:
            found = {
                q: [
                    view.id
                    for view in await reader.posts.page(
                        PostsFilter(title_contains=q), order="asc", limit=5, after=None
                    )
                ]
                for q in ("école", "σίσυφος", "cafe", "CAFÉ")
            }

        assert found == {
            "école": [ecole.id],
            "σίσυφος": [sisyphus.id],
            "cafe": [],
            "CAFÉ": [cafe.id],
        }

    async def test_ids_and_tags_match_case_exactly(self, storage: Storage) -> None:
        # Trailing spaces are another matter: MySQL/MariaDB compare VARCHARs padded, so
        # services refuse ids and tags that are not well formed before they get here.
        author = a_user()
        post = a_post(author, tags=["uni"])
        await saved(storage.write_uow(), author, post)

        async with storage.read_uow() as reader:
            by_upper_id = await reader.posts.get(post.id.upper())
            tag_counts = [await reader.posts.count(PostsFilter(tag=tag)) for tag in ("uni", "UNI")]
            author_count = await reader.posts.count(PostsFilter(author_id=author.id.upper()))

        assert by_upper_id is None
        assert tag_counts == [1, 0]
        assert author_count == 0
