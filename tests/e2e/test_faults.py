"""Faults under load, on servers started for these tests: Redis frozen and killed, MariaDB
killed and restarted, while clients read, write and sign in through a real uvicorn.

The MariaDB and the Redis here are this module's own (spare ports, data under a
temporary folder), so they can be killed without touching the machine's shared ones.
Clients behave as careful clients do: a create is retried under its Idempotency-Key and
a change is retried until acknowledged. After each fault, every acknowledged write must
be in the database and served by the API, and every event must have been handled: the
outbox drained, and the stats read model agreeing with the posts.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.load import Answer, Recorder, account, create_acknowledged, new_client, percentile
from tests.e2e.servers import QUIET_AND_CHEAP, environment, served
from tests.own_servers import MariaDB, RedisServer, scratch_directory, start_mariadb, start_redis

pytestmark = pytest.mark.mariadb

WRITERS = 4
READERS = 8
PHASE_SECONDS = 3.0
SETTLE_SECONDS = 30.0
FAST_FAILURE_SECONDS = 1.0
"""Requests the database cannot serve are answered 503 within this (p99)..."""
SLOWEST_FAILURE_SECONDS = 3.0
"""...and every one of them within this: the pool timeout (2 s) and some."""
CACHED_POSTS = 5
OUTAGE_P99_SECONDS = 1.0
"""Bound on the p99 of reads while Redis is frozen or down (its timeout is 50 ms)."""


@pytest.fixture(scope="module")
def own_servers() -> Iterator[tuple[MariaDB, RedisServer]]:
    with scratch_directory("faults-") as root:
        database = start_mariadb(root, "mariadb")
        try:
            cache = start_redis(root)
            try:
                yield database, cache
            finally:
                cache.stop()
        finally:
            database.stop()


@dataclass
class Service:
    base: str
    database: MariaDB
    cache: RedisServer
    schema: str

    def rows(self, statement: str, *args: Any) -> list[tuple[Any, ...]]:
        return self.database.execute(f"USE {self.schema}", statement, args=args)


@pytest.fixture
def service(own_servers: tuple[MariaDB, RedisServer], tmp_path: Path) -> Iterator[Service]:
    database, cache = own_servers
    schema = f"faults_{uuid.uuid4().hex[:8]}"
    database.execute(f"CREATE DATABASE {schema}")
    env = environment(
        {
            **QUIET_AND_CHEAP,
            "APP_PROFILE": "test",
            "DATABASE_URL": database.url(schema),
            "DATABASE_POOL_TIMEOUT": "2",
            "REDIS_URL": cache.url,
            "CACHE_PREFIX": schema,
            "OUTBOX_SWEEP_INTERVAL_SECONDS": "1",
            "OUTBOX_SWEEP_AFTER_SECONDS": "1",
        }
    )
    with served(env, tmp_path) as (base, _):
        yield Service(base, database, cache, schema)
    database.execute(f"DROP DATABASE {schema}")


@dataclass
class Writes:
    """What the clients were told was done."""

    created: dict[str, list[str]] = field(default_factory=dict)
    """Acknowledged post ids by author email."""
    titles: dict[str, str] = field(default_factory=dict)
    """The last acknowledged title of each post."""


@dataclass
class Load:
    """Writers, readers and a signer against the service until `stop` is set."""

    client: httpx.AsyncClient
    recorder: Recorder = field(default_factory=Recorder)
    writes: Writes = field(default_factory=Writes)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    stopped_at: float = float("inf")

    async def writer(self, email: str, auth: dict[str, str]) -> None:
        created = self.writes.created.setdefault(email, [])
        for round_number in range(1_000_000):
            if self.stop.is_set():
                return
            give_up_at = time.monotonic() + 60  # a started write is seen through
            title = f"{email} {round_number}"
            body = {"title": title, "body": "b", "tags": ["fault"]}
            post = await create_acknowledged(
                self.recorder, self.client, auth, body, give_up_at=give_up_at
            )
            if post is None:
                return
            created.append(post["id"])
            self.writes.titles[post["id"]] = title
            await self.change(auth, post["id"], f"{title} changed", give_up_at=give_up_at)

    async def change(
        self, auth: dict[str, str], post: str, title: str, *, give_up_at: float
    ) -> None:
        """Retitle the post, retrying until the change is acknowledged."""
        while time.monotonic() < give_up_at:
            response = await self.recorder.request(
                self.client,
                "change",
                "PATCH",
                f"/api/v1/posts/{post}",
                json={"title": title},
                headers=auth,
            )
            if response is not None and response.status_code == 200:
                self.writes.titles[post] = title
                return
            await asyncio.sleep(0.1)

    async def reader(self, seed: int) -> None:
        chance = random.Random(seed)
        while not self.stop.is_set():
            known = [post for posts in self.writes.created.values() for post in posts]
            if known and chance.random() < 0.8:
                url = f"/api/v1/posts/{chance.choice(known[-50:])}"
                await self.recorder.request(self.client, "read", "GET", url)
            else:
                params = {"tag": "fault", "limit": 10}
                await self.recorder.request(
                    self.client, "list", "GET", "/api/v1/posts", params=params
                )

    async def signer(self, email: str) -> None:
        form = {"username": email, "password": "correct horse"}
        while not self.stop.is_set():
            await self.recorder.request(
                self.client, "sign-in", "POST", "/api/v1/auth/token", data=form
            )
            await asyncio.sleep(0.25)

    async def run(self, script: Callable[[], Awaitable[None]]) -> None:
        emails = [f"writer{n}@example.com" for n in range(WRITERS)]
        auths = [await account(self.client, email) for email in emails]
        tasks = [asyncio.create_task(self.writer(e, a)) for e, a in zip(emails, auths, strict=True)]
        tasks += [asyncio.create_task(self.reader(seed)) for seed in range(READERS)]
        tasks.append(asyncio.create_task(self.signer(emails[0])))
        try:
            await script()
        finally:
            self.stopped_at = time.monotonic()
            self.stop.set()
            await asyncio.gather(*tasks)


@pytest.fixture
async def load(service: Service) -> AsyncIterator[Load]:
    async with new_client(service.base) as client:
        yield Load(client)


async def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {SETTLE_SECONDS} s: {what}")
        await asyncio.sleep(0.2)


async def assert_nothing_lost(service: Service, load: Load) -> int:
    """Every acknowledged write stored and served; every event handled. The number of
    acknowledged writes checked."""
    stored = dict(service.rows("SELECT id, title FROM posts"))
    acknowledged = {post for posts in load.writes.created.values() for post in posts}
    per_author = {
        email: count
        for email, count in service.rows(
            "SELECT u.email, COUNT(*) FROM posts p JOIN users u ON u.id = p.author_id "
            "GROUP BY u.email"
        )
    }
    assert set(stored) == acknowledged  # no create lost, none made twice
    assert per_author == {
        email: len(posts) for email, posts in load.writes.created.items() if posts
    }
    served = await asyncio.gather(
        *(load.client.get(f"/api/v1/posts/{post}") for post in acknowledged)
    )
    wrong = [
        (response.status_code, response.json().get("title"), load.writes.titles[post])
        for post, response in zip(acknowledged, served, strict=True)
        if response.status_code != 200 or response.json()["title"] != load.writes.titles[post]
    ]
    assert wrong == []  # and the API serves the last acknowledged title, not a stale one
    assert all(stored[post] == title for post, title in load.writes.titles.items())

    def events_handled() -> bool:
        ((unsent,),) = service.rows("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
        stats = dict(
            service.rows(
                "SELECT u.email, s.post_count FROM user_stats s JOIN users u ON u.id = s.user_id"
            )
        )
        return unsent == 0 and stats == per_author

    await eventually(events_handled, "every event handled and the stats equal to the posts")
    ((created_events,),) = service.rows("SELECT COUNT(*) FROM outbox WHERE type = 'PostCreated'")
    assert created_events == len(acknowledged)
    return len(acknowledged) + sum(
        title.endswith("changed") for title in load.writes.titles.values()
    )


async def cache_hits(client: httpx.AsyncClient) -> float:
    metrics = (await client.get("/metrics")).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "cache_lookups_total" and sample.labels.get("result") == "hit"
    )


def _failures(answers: list[Answer]) -> Counter[tuple[str, int]]:
    return Counter(
        (answer.action, answer.status) for answer in answers if not 0 < answer.status < 500
    )


def _latencies(answers: list[Answer], *actions: str) -> list[float]:
    return [answer.seconds for answer in answers if answer.action in actions]


class TestRedisOutage:
    async def test_frozen_then_killed_redis_costs_neither_answers_nor_writes(
        self, service: Service, load: Load
    ) -> None:
        editor_email = "editor@example.com"
        editor = await account(load.client, editor_email)
        cached = [await self._cached_post(load, editor, n) for n in range(CACHED_POSTS)]
        load.writes.created[editor_email] = list(cached)
        marks: dict[str, float] = {}
        hits: list[float] = []
        stale: list[tuple[str, str]] = []

        async def script() -> None:
            await asyncio.sleep(PHASE_SECONDS)
            hits.append(await cache_hits(load.client))
            marks["frozen"] = time.monotonic()
            await asyncio.to_thread(service.cache.pause)  # connections open, no answer
            for post in cached:  # their cache entries are now stale, and Redis keeps them
                give_up_at = time.monotonic() + SETTLE_SECONDS
                await load.change(editor, post, f"{post} changed", give_up_at=give_up_at)
            await asyncio.sleep(PHASE_SECONDS)
            await asyncio.to_thread(service.cache.resume)  # back, with the stale entries
            marks["thawed"] = time.monotonic()
            stale.extend(await stale_titles(load, cached))
            marks["hits after thaw"] = await until_cache_hits(load.client, since=marks["thawed"])
            stale.extend(await stale_titles(load, cached))
            marks["killed"] = time.monotonic()
            await asyncio.to_thread(service.cache.kill)  # connections refused; data lost
            await asyncio.sleep(PHASE_SECONDS)
            await asyncio.to_thread(service.cache.start)
            marks["back"] = time.monotonic()
            hits.append(await cache_hits(load.client))
            marks["hits after restart"] = await until_cache_hits(load.client, since=marks["back"])
            hits.append(await cache_hits(load.client))
            await asyncio.sleep(PHASE_SECONDS)

        await load.run(script)

        answers = load.recorder.answers
        healthy = load.recorder.between(0, marks["frozen"])
        outage = load.recorder.between(marks["frozen"], marks["back"])
        reads = _latencies(outage, "read", "list")
        report = {
            "answers": len(answers),
            "healthy read p99": percentile(_latencies(healthy, "read", "list"), 0.99),
            "outage read p99": percentile(reads, 0.99),
            "statuses": Counter(answer.status for answer in answers),
            "cache used again after thaw (s)": marks["hits after thaw"] - marks["thawed"],
            "cache used again after restart (s)": marks["hits after restart"] - marks["back"],
        }
        assert _failures(answers) == Counter(), report
        assert hits[0] > 0, report  # Redis served before it froze
        assert hits[2] > hits[1], report  # and again once it was back
        assert stale == [], report  # entries left stale by the freeze were never served
        assert len(reads) > 100, report
        assert percentile(reads, 0.99) <= OUTAGE_P99_SECONDS, report
        sign_ins = [answer.status for answer in outage if answer.action == "sign-in"]
        assert sign_ins, report
        assert set(sign_ins) == {200}, report  # throttling fails open
        checked = await assert_nothing_lost(service, load)
        assert checked > 0
        print(f"redis outage: {report}, acknowledged writes checked: {checked}")

    @staticmethod
    async def _cached_post(load: Load, auth: dict[str, str], number: int) -> str:
        title = f"cached {number}"
        body = {"title": title, "body": "b", "tags": ["fault"]}
        created = await load.client.post("/api/v1/posts", json=body, headers=auth)
        assert created.status_code == 201, created.text
        post: str = created.json()["id"]
        load.writes.titles[post] = title
        for _ in range(2):  # the first read fills the cache, the second is a hit
            assert (await load.client.get(f"/api/v1/posts/{post}")).status_code == 200
        return post


async def stale_titles(load: Load, posts: list[str]) -> list[tuple[str, str]]:
    """(served, acknowledged) titles of the posts that are served out of date."""
    served = [(await load.client.get(f"/api/v1/posts/{post}")).json()["title"] for post in posts]
    return [
        (title, load.writes.titles[post])
        for post, title in zip(posts, served, strict=True)
        if title != load.writes.titles[post]
    ]


async def until_cache_hits(client: httpx.AsyncClient, *, since: float) -> float:
    """When the cache answered hits again: its breaker lets a probe through once its
    cooldown (5 s) is over."""
    before = await cache_hits(client)
    while time.monotonic() - since < SETTLE_SECONDS:
        await asyncio.sleep(0.5)
        if await cache_hits(client) > before:
            return time.monotonic()
    raise AssertionError(f"the cache answered no hit within {SETTLE_SECONDS} s")


class TestDatabaseRestart:
    async def test_a_killed_database_fails_fast_and_the_pool_recovers_alone(
        self, service: Service, load: Load
    ) -> None:
        marks: dict[str, float] = {}

        async def script() -> None:
            await asyncio.sleep(PHASE_SECONDS)
            marks["killed"] = time.monotonic()
            await asyncio.to_thread(service.database.kill)
            await asyncio.sleep(PHASE_SECONDS)
            marks["restarting"] = time.monotonic()
            await asyncio.to_thread(service.database.start)  # InnoDB recovers the commits
            marks["up"] = time.monotonic()
            await asyncio.sleep(2 * PHASE_SECONDS)

        await load.run(script)

        answers = load.recorder.answers
        down = Counter(
            answer.status for answer in load.recorder.between(marks["killed"], marks["restarting"])
        )
        refused = [answer for answer in answers if answer.status >= 500 or answer.status == 0]
        written_after = [
            answer.started - marks["up"]
            for answer in load.recorder.between(marks["up"], float("inf"))
            if answer.action in ("create", "change") and answer.status in (200, 201)
        ]
        report = {
            "answers": len(answers),
            "while down": down,
            "503 p99": percentile([answer.seconds for answer in refused], 0.99),
            "503 max": max((answer.seconds for answer in refused), default=None),
            "first write after restart (s)": min(written_after, default=None),
            "restart took (s)": marks["up"] - marks["restarting"],
        }
        assert down[503] > 0, report  # it was down
        assert {answer.status for answer in refused} == {503}, report
        assert all(answer.problem for answer in refused), report
        # While the server is gone, connections are refused at once. While it restarts,
        # it accepts them before it can answer: those wait for it, up to the slowest bound.
        while_gone = [
            answer.seconds
            for answer in load.recorder.between(marks["killed"], marks["restarting"])
            if answer.status == 503
        ]
        assert percentile(while_gone, 0.99) <= FAST_FAILURE_SECONDS, report
        assert max(answer.seconds for answer in refused) <= SLOWEST_FAILURE_SECONDS, report
        assert written_after, report
        assert min(written_after) < PHASE_SECONDS, report
        late = load.recorder.between(marks["up"] + PHASE_SECONDS, load.stopped_at)
        assert late, report
        assert {answer.status for answer in late} <= {200, 201, 409}, report
        ready = await load.client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        checked = await assert_nothing_lost(service, load)
        print(f"database restart: {report}, acknowledged writes checked: {checked}")
