"""Many clients at once on the same few posts, for a fixed time, through a real uvicorn.

Editors change three shared posts, half of them blindly and half read-modify-write
with If-Match; readers read those posts and lists; creators send every create twice at
once and again later under one Idempotency-Key, as a client that timed out would. It
runs on MariaDB and Redis with the events consumed in the process. Afterwards:
- no answer was a 5xx or no answer at all;
- no update was lost: each post's version is one more than the changes acknowledged
  for it, and it has one PostUpdated event per acknowledged change;
- no create was made twice: one post per key, and every 201 for a key names the same post.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from app.infra.db.tables import outbox, posts
from tests.databases import ScratchDatabase, create_mariadb_database, drop_database, redis_prefix
from tests.e2e.load import Recorder, account, new_client, percentile
from tests.e2e.servers import QUIET_AND_CHEAP, environment, served

pytestmark = pytest.mark.mariadb

SECONDS = 10.0
EDITORS = 12
READERS = 8
CREATORS = 4
HOT_POSTS = 3


@pytest.fixture
async def database() -> AsyncIterator[ScratchDatabase]:
    scratch = await create_mariadb_database(with_schema=False)
    yield scratch
    await drop_database(scratch)


@pytest.fixture
def base(database: ScratchDatabase, redis_url: str, tmp_path: Path) -> Iterator[str]:
    env = environment(
        {
            **QUIET_AND_CHEAP,
            "APP_PROFILE": "test",
            "DATABASE_URL": database.url,
            "REDIS_URL": redis_url,
            "CACHE_PREFIX": redis_prefix(),
        }
    )
    with served(env, tmp_path) as (address, _):
        yield address


class Mix:
    def __init__(self, client: httpx.AsyncClient, deadline: float) -> None:
        self.client = client
        self.deadline = deadline
        self.recorder = Recorder()
        self.changes: Counter[str] = Counter()
        """Acknowledged changes (200) by post id."""
        self.keys: list[str] = []
        self.created: dict[str, set[str]] = defaultdict(set)
        """The post ids answered with 201, by Idempotency-Key."""

    async def edit(self, number: int, auth: dict[str, str], hot: list[str]) -> None:
        chance = random.Random(number)
        guarded = number % 2 == 0
        while time.monotonic() < self.deadline:
            post = chance.choice(hot)
            url = f"/api/v1/posts/{post}"
            headers = dict(auth)
            if guarded:  # read, then change only the version read
                current = await self.recorder.request(self.client, "read", "GET", url)
                if current is None or current.status_code != 200:
                    continue
                headers["If-Match"] = current.headers["etag"]
            change = {"title": f"editor {number} at {time.monotonic():.6f}"}
            response = await self.recorder.request(
                self.client, "change", "PATCH", url, json=change, headers=headers
            )
            if response is not None and response.status_code == 200:
                self.changes[post] += 1

    async def read(self, number: int, hot: list[str]) -> None:
        chance = random.Random(1000 + number)
        while time.monotonic() < self.deadline:
            if chance.random() < 0.7:
                url = f"/api/v1/posts/{chance.choice(hot)}"
                await self.recorder.request(self.client, "read", "GET", url)
            else:
                await self.recorder.request(
                    self.client, "list", "GET", "/api/v1/posts", params={"tag": "hot"}
                )

    async def create(self, number: int, auth: dict[str, str]) -> None:
        while time.monotonic() < self.deadline:
            key = uuid.uuid4().hex
            self.keys.append(key)
            body = {"title": f"creator {number}", "body": key, "tags": ["new"]}
            # The same create twice at once, then a late retry, which replays.
            await asyncio.gather(self._create(auth, key, body), self._create(auth, key, body))
            await self._create(auth, key, body)

    async def _create(self, auth: dict[str, str], key: str, body: dict[str, Any]) -> None:
        headers = {**auth, "Idempotency-Key": key}
        response = await self.recorder.request(
            self.client, "create", "POST", "/api/v1/posts", json=body, headers=headers
        )
        if response is not None and response.status_code == 201:
            self.created[key].add(response.json()["id"])


async def _stored(url: str) -> tuple[int, Counter[str]]:
    """PostUpdated events, and the creators' posts by the key in their body."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            updated = select(func.count()).where(outbox.c.type == "PostUpdated")
            by_key = select(posts.c.body).where(posts.c.title.like("creator %"))
            return (
                int((await connection.execute(updated)).scalar_one()),
                Counter((await connection.execute(by_key)).scalars()),
            )
    finally:
        await engine.dispose()


class TestMixedLoad:
    async def test_no_error_no_lost_update_no_duplicate_create(
        self, base: str, database: ScratchDatabase
    ) -> None:
        async with new_client(base, connections=EDITORS + READERS + 2 * CREATORS) as client:
            author = await account(client, "author@example.com")
            creators = [await account(client, f"creator{n}@example.com") for n in range(CREATORS)]
            hot = []
            for number in range(HOT_POSTS):
                body = {"title": f"hot {number}", "body": "b", "tags": ["hot"]}
                created = await client.post("/api/v1/posts", json=body, headers=author)
                hot.append(created.json()["id"])
            mix = Mix(client, time.monotonic() + SECONDS)

            await asyncio.gather(
                *(mix.edit(number, author, hot) for number in range(EDITORS)),
                *(mix.read(number, hot) for number in range(READERS)),
                *(mix.create(number, auth) for number, auth in enumerate(creators)),
            )
            final = {post: (await client.get(f"/api/v1/posts/{post}")).json() for post in hot}

        answers = mix.recorder.answers
        statuses = Counter((answer.action, answer.status) for answer in answers)
        report = {
            "answers": len(answers),
            "per second": round(len(answers) / SECONDS),
            "statuses": dict(statuses),
            "p99 (s)": round(percentile([answer.seconds for answer in answers], 0.99), 3),
            "changes": dict(mix.changes),
            "keys": len(mix.keys),
            "keys acknowledged": len(mix.created),
        }
        print(f"mixed load: {report}")
        assert [answer for answer in answers if not 0 < answer.status < 500] == [], report
        assert sum(mix.changes.values()) > 0, report
        assert statuses[("change", 412)] > 0, report  # the guarded editors did collide
        assert {post: final[post]["version"] - 1 for post in hot} == dict(mix.changes), report
        updated_events, stored = await _stored(database.url)
        assert updated_events == sum(mix.changes.values()), report
        assert [key for key, ids in mix.created.items() if len(ids) != 1] == [], report
        assert [key for key, count in stored.items() if count != 1] == [], report
        assert set(mix.created) <= set(stored) <= set(mix.keys), report
