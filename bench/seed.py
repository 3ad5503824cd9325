"""Create, migrate and seed the benchmark database once; later runs reuse it.

`python -m bench.seed` (BENCH_DB, default `bench`; BENCH_POSTS, default 200000). The run
also calls `ensure_seeded` first. What earlier benchmark runs wrote (posts, refresh tokens
and events of the bench user) is deleted before the dataset is counted, so the seeded
rows are what every run measures; a dataset of another size is wiped and seeded again.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.domain.identity import new_id, utc_now
from app.domain.users import email_key
from app.infra.db.engines import build_engine
from app.infra.db.tables import (
    comments,
    handled_events,
    metadata,
    outbox,
    post_tags,
    posts,
    refresh_tokens,
    user_stats,
    users,
)
from app.infra.security.argon2_hasher import Argon2PasswordHasher
from bench.common import (
    ARGON2,
    AUTHORS,
    BATCH,
    BENCH_DISPLAY_NAME,
    BENCH_EMAIL,
    BENCH_PASSWORD,
    ROOT,
    TAGS,
    bench_db,
    db_url,
    env_int,
    service_env,
)

SEED = 20261126
SPAN = timedelta(days=365)
"""The seeded posts' created_at spread over the year before seeding, oldest first."""

_WORD_TEXT = (
    "latency throughput index cursor cache replica transaction pool query schema migration "
    "service request response event worker queue deploy rollback metric trace budget "
    "python async loop socket thread memory disk network backup lock commit isolation"
)
_WORDS = _WORD_TEXT.split()
_ADJECTIVE_TEXT = "Practical Faster Hidden Simple Robust Modern Careful Honest Quiet Lean Deep"
_ADJECTIVES = _ADJECTIVE_TEXT.split()


@dataclass(frozen=True, slots=True)
class SeedResult:
    database: str
    posts: int
    user_id: str
    reused: bool
    seconds: float


def _engine(url: str) -> AsyncEngine:
    return build_engine(
        url, read_only=False, pool_size=2, max_overflow=0, pool_timeout=30, pool_recycle=600
    )


async def _create_database(database: str) -> None:
    engine = _engine(db_url())
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql(
                f"CREATE DATABASE IF NOT EXISTS `{database}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
    finally:
        await engine.dispose()


def _migrate(database: str) -> None:
    command = [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), "upgrade", "head"]
    subprocess.run(  # noqa: S603  (our own interpreter and arguments)
        command, cwd=ROOT, env=service_env(database, cache="none"), check=True
    )


async def _bench_user_id(connection: AsyncConnection) -> str | None:
    query = select(users.c.id).where(users.c.email_key == email_key(BENCH_EMAIL))
    return (await connection.execute(query)).scalar_one_or_none()


async def _forget_bench_writes(connection: AsyncConnection, user_id: str) -> int:
    """Delete what earlier runs wrote as the bench user; the seeded rows stay."""
    written = select(posts.c.id).where(posts.c.author_id == user_id).scalar_subquery()
    await connection.execute(
        delete(comments).where((comments.c.author_id == user_id) | comments.c.post_id.in_(written))
    )
    await connection.execute(delete(post_tags).where(post_tags.c.post_id.in_(written)))
    result = await connection.execute(delete(posts).where(posts.c.author_id == user_id))
    await connection.execute(delete(refresh_tokens).where(refresh_tokens.c.user_id == user_id))
    await connection.execute(delete(user_stats).where(user_stats.c.user_id == user_id))
    await connection.execute(delete(outbox))
    await connection.execute(delete(handled_events))
    return int(result.rowcount)


async def _wipe(connection: AsyncConnection) -> None:
    await connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
    for table in reversed(metadata.sorted_tables):  # every table, a new one included
        await connection.exec_driver_sql(f"TRUNCATE TABLE `{table.name}`")
    await connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")


def _bodies(rng: random.Random) -> list[str]:
    """A few dozen bodies of 300..1500 characters, shared by the posts (cheap to generate)."""
    bodies = []
    for _ in range(64):
        sentences = []
        for _ in range(rng.randint(4, 18)):
            words = rng.choices(_WORDS, k=rng.randint(6, 14))
            sentences.append(" ".join(words).capitalize() + ".")
        bodies.append(" ".join(sentences)[:1500])
    return bodies


async def _seed(engine: AsyncEngine, count: int) -> str:
    rng = random.Random(SEED)  # noqa: S311  (reproducible data, not cryptography)
    start = utc_now() - SPAN - timedelta(days=1)
    hasher = Argon2PasswordHasher(**ARGON2)
    user_id = new_id()
    password_hash = await hasher.hash(BENCH_PASSWORD)
    author_rows: list[dict[str, Any]] = [
        {
            "id": user_id,
            "email": BENCH_EMAIL,
            "email_key": email_key(BENCH_EMAIL),
            "display_name": BENCH_DISPLAY_NAME,
            "password_hash": password_hash,
            "created_at": start,
        }
    ]
    author_ids = [new_id() for _ in range(AUTHORS)]
    for number, author_id in enumerate(author_ids):
        email = f"author{number}@bench.example.com"
        author_rows.append(
            {
                "id": author_id,
                "email": email,
                "email_key": email_key(email),
                "display_name": f"Author {number}",
                "password_hash": "!seeded-author-cannot-sign-in",
                "created_at": start,
            }
        )
    async with engine.begin() as connection:
        await connection.execute(insert(users), author_rows)
    print(f"  users: {len(author_rows)} (one bench user, {AUTHORS} authors)", flush=True)

    bodies = _bodies(rng)
    step_us = max(1, int(SPAN.total_seconds() * 1_000_000) // count)
    began = time.perf_counter()
    for first in range(0, count, BATCH):
        post_rows: list[dict[str, Any]] = []
        tag_rows: list[dict[str, Any]] = []
        for number in range(first, min(first + BATCH, count)):
            created_at = start + timedelta(microseconds=number * step_us + rng.randrange(step_us))
            post_id = new_id()
            tags = rng.sample(TAGS, k=rng.randint(1, 3))
            title = (
                f"{rng.choice(_ADJECTIVES)} {rng.choice(_WORDS)} and {rng.choice(_WORDS)} #{number}"
            )
            post_rows.append(
                {
                    "id": post_id,
                    "author_id": author_ids[rng.randrange(AUTHORS)],
                    "title": title,
                    "title_lower": title.lower(),
                    "body": bodies[rng.randrange(len(bodies))],
                    "tags": ",".join(tags),
                    "created_at": created_at,
                    "updated_at": created_at,
                    "version": 1,
                }
            )
            tag_rows.extend(
                {"post_id": post_id, "tag": tag, "created_at": created_at} for tag in tags
            )
        async with engine.begin() as connection:
            await connection.execute(insert(posts), post_rows)
            await connection.execute(insert(post_tags), tag_rows)
        done = first + len(post_rows)
        rate = done / (time.perf_counter() - began)
        print(f"  posts: {done}/{count} ({rate:,.0f} rows/s)", flush=True)

    async with engine.begin() as connection:
        stats = select(posts.c.author_id, func.count(), func.max(posts.c.created_at)).group_by(
            posts.c.author_id
        )
        await connection.execute(
            insert(user_stats).from_select(["user_id", "post_count", "last_post_at"], stats)
        )
    return user_id


async def _analyze(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        result = await connection.execute(text("ANALYZE TABLE users, posts, post_tags"))
        result.fetchall()


async def _prepare(database: str, count: int) -> SeedResult:
    began = time.perf_counter()
    engine = _engine(db_url(database))
    try:
        async with engine.begin() as connection:
            user_id = await _bench_user_id(connection)
            if user_id is not None:
                forgotten = await _forget_bench_writes(connection, user_id)
                if forgotten:
                    print(f"  removed {forgotten} posts written by earlier runs", flush=True)
            present = int(
                (await connection.execute(select(func.count()).select_from(posts))).scalar_one()
            )
        if user_id is not None and present == count:
            print(f"  reusing {present} seeded posts in `{database}`", flush=True)
            return SeedResult(database, present, user_id, True, time.perf_counter() - began)
        if present or user_id is not None:
            print(
                f"  `{database}` holds {present} posts, {count} wanted: seeding again", flush=True
            )
            async with engine.begin() as connection:
                await _wipe(connection)
        print(f"  seeding {count} posts over {AUTHORS} authors in `{database}`", flush=True)
        user_id = await _seed(engine, count)
        print("  ANALYZE TABLE users, posts, post_tags", flush=True)
        await _analyze(engine)
        return SeedResult(database, count, user_id, False, time.perf_counter() - began)
    finally:
        await engine.dispose()


def ensure_seeded(database: str | None = None, count: int | None = None) -> SeedResult:
    """Create and migrate the database, then seed it unless it already holds the dataset."""
    database = database or bench_db()
    count = count if count is not None else env_int("BENCH_POSTS", 200_000)
    print(f"seed: database `{database}`, {count} posts", flush=True)
    asyncio.run(_create_database(database))
    print("  alembic upgrade head", flush=True)
    _migrate(database)
    result = asyncio.run(_prepare(database, count))
    print(f"seed: ready in {result.seconds:.1f} s", flush=True)
    return result


def main() -> None:
    ensure_seeded()


if __name__ == "__main__":
    main()
