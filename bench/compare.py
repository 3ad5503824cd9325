"""Two checkouts of the service side by side: what a change is worth, in one run.

`python -m bench.compare OTHER_CHECKOUT [SCENARIO,...]` from this checkout's root serves
this checkout and OTHER_CHECKOUT (say, a `git worktree` of the commit before a change)
with the same settings, pinned to the same core, and loads them in alternation with the
runner's requests, rounds and warm-ups (BENCH_ROUNDS, BENCH_SECONDS, BENCH_WARMUP). It
prints each one's medians and the ratio of this checkout's req/s to the other's. Both
run on this environment's packages. Scenarios: get_post_db, get_post_cached,
list_pages, create_post (default: all).

BENCH_THIS_ENV (`NAME=value,NAME=value`) adds settings to this checkout's servers only:
`BENCH_THIS_ENV=OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python -m bench.compare .`
measures what tracing costs against the same code without it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench import seed
from bench.common import redis_prefix, service_env
from bench.run import (
    POSTS,
    SERVICE_TARGET,
    Bench,
    Config,
    Request,
    Scenario,
    Servers,
    ServerSpec,
    Variant,
    _ratio,
    clear_redis_prefix,
    post_body,
    read_dataset,
    stop_all_children,
)

CHECKOUTS = ("this", "other")


def _requests(
    data_post_id: str, depth_90_cursor: str
) -> dict[str, tuple[str, tuple[Request, ...]]]:
    """Scenario name: (cache, requests), as the runner makes them."""
    get_post = Request("GET", f"{POSTS}/{data_post_id}")
    create = Request(
        "POST", POSTS, post_body("Bench post {n}"), content_type="application/json", auth=True
    )
    return {
        "get_post_db": ("none", (get_post,)),
        "get_post_cached": ("redis", (get_post,)),
        "list_pages": ("none", (Request("GET", f"{POSTS}?limit=20"),)),
        "list_pages_deep": (
            "none",
            (Request("GET", f"{POSTS}?limit=20&cursor={depth_90_cursor}"),),
        ),
        "create_post": ("redis", (create,)),
    }


def this_env(text: str) -> dict[str, str]:
    """`NAME=value,NAME=value` as a mapping (values may hold `=`, not `,`)."""
    pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
    if any(len(pair) != 2 or not pair[0].strip() for pair in pairs):
        raise SystemExit(f"BENCH_THIS_ENV: expected NAME=value,NAME=value, got {text!r}")
    return {name.strip(): value for name, value in pairs}


def main(argv: list[str]) -> int:
    if not argv or not Path(argv[0], "app", "main.py").is_file():
        print(__doc__)
        return 2
    other = Path(argv[0]).resolve()
    wanted = (
        argv[1].split(",")
        if len(argv) > 1
        else ["get_post_db", "get_post_cached", "list_pages", "create_post"]
    )
    config = Config.from_env()
    seeded = seed.ensure_seeded(config.database, config.posts)
    data = read_dataset(config.database, seeded.user_id)
    clear_redis_prefix()
    requests = _requests(data.post_id, data.depth_90_cursor)
    if "list_pages" in wanted:
        wanted.insert(wanted.index("list_pages") + 1, "list_pages_deep")
    unknown = sorted(set(wanted) - set(requests))
    if unknown:
        print(f"unknown scenarios: {', '.join(unknown)}")
        return 2
    extra = this_env(os.environ.get("BENCH_THIS_ENV", ""))
    specs = {
        f"service_{who}_{cache}": ServerSpec(
            f"service_{who}_{cache}",
            SERVICE_TARGET,
            service_env(config.database, cache=cache) | (extra if who == "this" else {}),
            f"{root} with CACHE_BACKEND={cache}, CACHE_PREFIX={redis_prefix()}",
            root=root,
        )
        for who, root in zip(CHECKOUTS, (Path.cwd(), other), strict=True)
        for cache in ("none", "redis")
    }
    work = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    servers = Servers(specs, work)
    bench = Bench(config, data, servers, work)
    try:
        for name in wanted:
            cache, sent = requests[name]
            variants = tuple(Variant(who, f"service_{who}_{cache}", sent) for who in CHECKOUTS)
            bench.run(Scenario(name, f"{name}: this checkout vs {other}", variants))
    finally:
        servers.stop_all()
        stop_all_children()
    print(f"\n{'scenario':<18} {'this req/s':>11} {'other req/s':>12} {'ratio':>7}")
    for name, table in bench.results.items():
        this, that = (table[who].median() for who in CHECKOUTS)
        ratio = _ratio(this.get("rps"), that.get("rps"))
        print(f"{name:<18} {this.get('rps', 0):>11.1f} {that.get('rps', 0):>12.1f} {ratio!s:>7}")
    for error in bench.errors:
        print(f"  ! {error}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if bench.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
