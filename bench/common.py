"""What the seed, the runner and the baselines share: names, URLs, the seeded user, tags."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The project's root: servers and migrations run from here."""

MYSQL_HOST = "127.0.0.1"
MYSQL_PORT = 3306
MYSQL_USER = "root"
REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379

AUTHORS = 2000
BATCH = 5000
TAGS = (
    "python",
    "databases",
    "web",
    "devops",
    "security",
    "testing",
    "async",
    "cloud",
    "linux",
    "design",
    "career",
    "performance",
)
"""The tag vocabulary of the seeded posts; the tag scenario filters on the first one."""

BENCH_EMAIL = "bench-user@example.com"
BENCH_PASSWORD = "bench-password-0123456789"  # noqa: S105  (a benchmark account, not a secret)
BENCH_DISPLAY_NAME = "Bench User"
JWT_SECRET = "bench-jwt-secret-0123456789-abcdefghijkl"  # noqa: S105  (40 characters, bench only)
ARGON2 = {"memory_kib": 19456, "time_cost": 2, "parallelism": 1}

_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def bench_db() -> str:
    """The database name from BENCH_DB, checked so it can be quoted into DDL safely."""
    name = os.environ.get("BENCH_DB", "").strip() or "bench"
    if not _NAME.fullmatch(name):
        raise SystemExit(f"BENCH_DB must be letters, digits and underscores, not {name!r}")
    return name


DRIVERS = ("aiomysql", "asyncmy")
"""The MySQL drivers the service supports; aiomysql is its default."""


def db_url(database: str = "", driver: str = "aiomysql") -> str:
    """The URL of a database on the bench server (the server itself when empty)."""
    host = f"{MYSQL_USER}@{MYSQL_HOST}:{MYSQL_PORT}"
    return f"mysql+{driver}://{host}/{database}?charset=utf8mb4"


def redis_db() -> int:
    """The Redis database of the bench's keys: BENCH_REDIS_DB, 0 by default."""
    return env_int("BENCH_REDIS_DB", 0)


def redis_prefix() -> str:
    """The prefix of every Redis key the bench writes: BENCH_REDIS_PREFIX, `bench` by
    default (checked: a run deletes the keys under it)."""
    prefix = os.environ.get("BENCH_REDIS_PREFIX", "").strip() or "bench"
    if not _NAME.fullmatch(prefix.replace("-", "_")):
        raise SystemExit(f"BENCH_REDIS_PREFIX must be letters, digits, - and _, not {prefix!r}")
    return prefix


def redis_url() -> str:
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db()}"


def service_env(database: str, *, cache: str, driver: str = "aiomysql") -> dict[str, str]:
    """The environment of the service as production runs it, over a copy of os.environ.

    Every variable the service's settings read is removed first and no `.env` file is
    read, so a stray DATABASE_URL or CELERY_BROKER_URL in the caller's shell or checkout
    cannot change what is measured.
    """
    from app.infra.settings import Settings

    settings_keys = {name.upper() for name in Settings.model_fields} | {"CONFIG_FILE", "ENV_FILE"}
    env = {key: value for key, value in os.environ.items() if key.upper() not in settings_keys}
    env.update(
        ENV_FILE="",
        APP_PROFILE="production",
        DATABASE_URL=MYSQL_HOST if MYSQL_PORT == 3306 else f"{MYSQL_HOST}:{MYSQL_PORT}",
        DATABASE_DRIVER=driver,
        DATABASE_NAME=database,
        DATABASE_USERNAME=MYSQL_USER,
        JWT_SECRET=JWT_SECRET,
        LOG_LEVEL="WARNING",
        CACHE_BACKEND=cache,
    )
    if cache == "redis":
        env.update(REDIS_URL=redis_url(), CACHE_PREFIX=redis_prefix())
    return env
