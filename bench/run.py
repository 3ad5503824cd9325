"""Load the service and its baselines with wrk, A/B interleaved, and write bench/results.json.

`python -m bench.run` from the project's root (or `make bench`). It seeds first (see
`bench.seed`), then, scenario by scenario, starts the servers the scenario needs (one
uvicorn worker each, pinned to core 0), loads them with `wrk` pinned to core 1, and stops
them. Knobs: BENCH_POSTS, BENCH_ROUNDS, BENCH_SECONDS, BENCH_DB, BENCH_WARMUP,
BENCH_MEMORY_REQUESTS, BENCH_ONLY.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode

import httpx
import pymysql
import redis

from app.application.ports.readers import PostsPosition
from app.application.queries.posts import encode_cursor
from bench import seed
from bench.common import (
    BENCH_EMAIL,
    BENCH_PASSWORD,
    MYSQL_HOST,
    MYSQL_PORT,
    MYSQL_USER,
    REDIS_HOST,
    REDIS_PORT,
    ROOT,
    TAGS,
    bench_db,
    db_url,
    env_int,
    redis_db,
    redis_prefix,
    redis_url,
    service_env,
)

RESULTS = ROOT / "bench" / "results.json"
SERVER_CORE = "0"
LOAD_CORE = "1"
CONNECTIONS = 32
LOGIN_CONNECTIONS = 4
WRITE_EVERY = 10
"""In the mix, one request in this many is a POST (90/10)."""
SELECT_SAMPLE = 100
"""Requests sent one by one to count SELECT statements per request."""
READY_TIMEOUT = 60.0
DRAIN_TIMEOUT = 60.0
PACKAGES = ("fastapi", "sqlalchemy", "uvicorn", "redis", "pydantic")
MEMORY_CHUNK_SECONDS = 5
"""The memory run loads the service in chunks this long, reading its RSS after each."""

SERVICE_TARGET = "app.main:app"
SERVICE_OFF = "service_cache_off"
SERVICE_ON = "service_cache_on"
SERVICE_OFF_ASYNCMY = "service_cache_off_asyncmy"
SERVICE_ON_ASYNCMY = "service_cache_on_asyncmy"
HASHER_SECONDS = 5
POSTS = "/api/v1/posts"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed")
    return found


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True, slots=True)
class Config:
    database: str
    posts: int
    rounds: int
    seconds: int
    warmup: int
    memory_requests: int = 100_000
    only: tuple[str, ...] = ()

    def wants(self, scenario: str) -> bool:
        return not self.only or scenario in self.only

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            database=bench_db(),
            posts=env_int("BENCH_POSTS", 200_000),
            rounds=max(1, env_int("BENCH_ROUNDS", 3)),
            seconds=max(1, env_int("BENCH_SECONDS", 6)),
            warmup=max(0, env_int("BENCH_WARMUP", 1)),
            memory_requests=max(2, env_int("BENCH_MEMORY_REQUESTS", 100_000)),
            only=tuple(
                name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()
            ),
        )


@dataclass(frozen=True, slots=True)
class Dataset:
    posts: int
    post_id: str
    author_id: str
    tag: str
    tag_posts: int
    depth_90_offset: int
    depth_90_cursor: str
    depth_90_first_id: str


def _sql(database: str, statement: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    connection = pymysql.connect(
        host=MYSQL_HOST, port=MYSQL_PORT, user=MYSQL_USER, database=database, autocommit=True
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, tuple(args))
            return list(cursor.fetchall())
    finally:
        connection.close()


def read_dataset(database: str, author_id: str) -> Dataset:
    """The fixed post, the tag and the cursor at 90 % depth, read directly from the database."""
    count = int(_sql(database, "SELECT COUNT(*) FROM posts")[0][0])
    middle = "SELECT id FROM posts ORDER BY created_at, id LIMIT 1 OFFSET %s"
    post_id = str(_sql(database, middle, [count // 2])[0][0])
    # The newest-first page that starts at 90 % depth follows the row just before it.
    offset = max(0, int(count * 0.9) - 1)
    deep = "SELECT created_at, id FROM posts ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET %s"
    created_at, deep_id = _sql(database, deep, [offset])[0]
    first_id = _sql(database, deep, [offset + 1])[0][1]
    position = PostsPosition(created_at=created_at.replace(tzinfo=UTC), id=str(deep_id))
    tag = TAGS[0]
    tagged = "SELECT COUNT(*) FROM post_tags WHERE tag = %s"
    return Dataset(
        posts=count,
        post_id=post_id,
        author_id=author_id,
        tag=tag,
        tag_posts=int(_sql(database, tagged, [tag])[0][0]),
        depth_90_offset=offset + 1,
        depth_90_cursor=encode_cursor(position, "desc"),
        depth_90_first_id=str(first_id),
    )


def clear_redis_prefix() -> int:
    """Delete this harness's keys (`bench:*`) left by earlier runs; nothing else."""
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=redis_db())
    try:
        keys = list(client.scan_iter(match=f"{redis_prefix()}:*", count=1000))
        for first in range(0, len(keys), 500):
            client.delete(*keys[first : first + 500])
        return len(keys)
    finally:
        client.close()


# ---------------------------------------------------------------- processes

_children: list[subprocess.Popen[bytes]] = []


def _spawn(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """A child in a process group of its own, remembered so it is always stopped."""
    process = subprocess.Popen(command, start_new_session=True, **options)  # noqa: S603
    _children.append(process)
    return process


def _stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM to the child's process group, SIGKILL if it is still there after `grace`."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
    if process in _children:
        _children.remove(process)


def stop_all_children() -> None:
    for process in list(_children):
        _stop(process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerFailed(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class ServerSpec:
    name: str
    target: str
    env: dict[str, str]
    what: str
    root: Path = ROOT
    """The checkout the server runs from (another one only in `bench.compare`)."""


class Server:
    def __init__(self, spec: ServerSpec, log_dir: Path) -> None:
        self.spec = spec
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{spec.name}.log"
        self._token: str | None = None
        command = [
            _tool("taskset"),
            "-c",
            SERVER_CORE,
            sys.executable,
            "-m",
            "uvicorn",
            spec.target,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with self.log.open("wb") as log:
            self.process = _spawn(command, cwd=spec.root, env=spec.env, stdout=log, stderr=log)

    def wait_ready(self) -> None:
        """Until the server answers HTTP (uvicorn listens only after the app's startup)."""
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"{self.spec.name} exited: {self.log_tail()}")
            try:
                httpx.get(self.base + "/", timeout=1.0)
            except httpx.TransportError:
                time.sleep(0.1)
            else:
                return
        raise ServerFailed(f"{self.spec.name} did not answer in {READY_TIMEOUT:.0f} s")

    def token(self) -> str:
        """A bearer token of the seeded user, signed in on this server (once per start).

        Baselines check no token: they get a placeholder of a similar size.
        """
        if self.spec.target != SERVICE_TARGET:
            return "baseline-does-not-check-tokens." * 6
        if self._token is None:
            response = httpx.post(
                self.base + "/api/v1/auth/token",
                data={"username": BENCH_EMAIL, "password": BENCH_PASSWORD},
                timeout=30.0,
            )
            response.raise_for_status()
            self._token = str(response.json()["access_token"])
        return self._token

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        _stop(self.process)


class Servers:
    """Runs exactly the servers the current scenario needs."""

    def __init__(self, specs: dict[str, ServerSpec], log_dir: Path) -> None:
        self._specs = specs
        self._log_dir = log_dir
        self.running: dict[str, Server] = {}

    def need(self, names: set[str]) -> None:
        for name in [name for name in self.running if name not in names]:
            print(f"  stop  {name}", flush=True)
            self.running.pop(name).stop()
        started = []
        for name in sorted(names - self.running.keys()):
            print(f"  start {name}: {self._specs[name].what}", flush=True)
            server = Server(self._specs[name], self._log_dir)
            self.running[name] = server
            started.append(server)
        try:
            for server in started:
                server.wait_ready()
        except ServerFailed:
            for server in started:
                self.running.pop(server.spec.name, None)
                server.stop()
            raise

    def __getitem__(self, name: str) -> Server:
        return self.running[name]

    def stop_all(self) -> None:
        for name in list(self.running):
            self.running.pop(name).stop()


# ---------------------------------------------------------------- wrk

_TIME = re.compile(r"^\s*([\d.]+)(us|ms|s|m|h)\s*$")
_SCALE = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = _TIME.match(text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _SCALE[match.group(2)]


@dataclass(slots=True)
class WrkRun:
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    non_2xx: int = 0
    socket_errors: int = 0
    error: str | None = None


def parse_wrk(output: str, returncode: int = 0) -> WrkRun:
    run = WrkRun()
    # wrk prints nothing before "Running" unless something (a Lua error) went wrong, and
    # then carries on with plain GETs: such a run measures the wrong thing.
    before = output.split("Running", 1)[0].strip()
    if before or returncode != 0:
        run.error = f"wrk (exit {returncode}): " + " | ".join(output.strip().splitlines()[:3])
        return run
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        run.rps = float(match.group(1))
    if match := re.search(r"^\s*50%\s+(\S+)", output, re.MULTILINE):
        run.p50_ms = _ms(match.group(1))
    if match := re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE):
        run.p99_ms = _ms(match.group(1))
    if match := re.search(r"(\d+) requests in", output):
        run.requests = int(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        run.non_2xx = int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        run.socket_errors = sum(int(value) for value in match.groups())
    if not run.requests or not run.rps:
        run.error = "wrk reported no requests: " + " | ".join(output.strip().splitlines()[-3:])
    return run


def start_wrk(
    url: str, *, script: Path | None, connections: int, seconds: int
) -> subprocess.Popen[bytes]:
    command = [
        _tool("taskset"),
        "-c",
        LOAD_CORE,
        _tool("wrk"),
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
    ]
    if script is not None:
        command += ["-s", str(script)]
    return _spawn([*command, url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finish_wrk(process: subprocess.Popen[bytes], seconds: int) -> WrkRun:
    try:
        output, _ = process.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        _stop(process)
        return WrkRun(error="wrk did not finish")
    finally:
        if process in _children:
            _children.remove(process)
    return parse_wrk(output.decode(errors="replace"), process.returncode)


def wrk(url: str, *, script: Path | None, connections: int, seconds: int) -> WrkRun:
    return finish_wrk(
        start_wrk(url, script=script, connections=connections, seconds=seconds), seconds
    )


# ---------------------------------------------------------------- requests and Lua


@dataclass(frozen=True, slots=True)
class Request:
    """One kind of request; `{n}` in the body becomes a per-request counter."""

    method: str
    path: str
    body: str = ""
    content_type: str = ""
    auth: bool = False

    def headers(self, server: Server) -> dict[str, str]:
        headers = {"Content-Type": self.content_type} if self.content_type else {}
        if self.auth:
            headers["Authorization"] = f"Bearer {server.token()}"
        return headers

    def send(self, server: Server) -> int:
        response = httpx.request(
            self.method,
            server.base + self.path,
            content=self.body.replace("{n}", "0") or None,
            headers=self.headers(server),
            timeout=30.0,
        )
        return response.status_code


def _lua(text: str) -> str:
    if "]==]" in text:
        raise ValueError("cannot quote this text for Lua")
    return f"[==[{text}]==]"


def _lua_table(headers: dict[str, str]) -> str:
    # `[ [==[` and not `[[==[`: two brackets in a row would open a long string.
    return "{" + ", ".join(f"[ {_lua(k)} ] = {_lua(v)}" for k, v in headers.items()) + "}"


def _lua_format(request: Request, server: Server, name: str) -> str:
    body = "nil"
    if request.body:
        before, marker, after = request.body.partition("{n}")
        body = f"{_lua(before)} .. counter .. {_lua(after)}" if marker else _lua(before)
    return (
        f"local {name}_headers = {_lua_table(request.headers(server))}\n"
        f"local function {name}()\n"
        f"  return wrk.format({_lua(request.method)}, {_lua(request.path)}, "
        f"{name}_headers, {body})\n"
        "end\n"
    )


def lua_script(requests: tuple[Request, ...], server: Server) -> str:
    """One request kind, or two where the second is sent once every WRITE_EVERY requests."""
    parts = ["local counter = 0\n", _lua_format(requests[0], server, "first")]
    choice = "  return first()\n"
    if len(requests) > 1:
        parts.append(_lua_format(requests[1], server, "second"))
        choice = f"  if counter % {WRITE_EVERY} == 0 then return second() end\n  return first()\n"
    parts.append("request = function()\n  counter = counter + 1\n" + choice + "end\n")
    return "".join(parts)


# ---------------------------------------------------------------- scenarios


@dataclass(frozen=True, slots=True)
class Variant:
    key: str
    server: str
    requests: tuple[Request, ...]
    connections: int = CONNECTIONS

    @property
    def writes(self) -> bool:
        return any(request.method != "GET" for request in self.requests)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    variants: tuple[Variant, ...]


@dataclass(slots=True)
class VariantResult:
    server: str
    what: str
    runs: list[WrkRun] = field(default_factory=list)
    probe_status: list[int] = field(default_factory=list)
    outbox_drain_seconds: list[float] = field(default_factory=list)

    def median(self) -> dict[str, Any]:
        good = [run for run in self.runs if run.error is None]
        if not good:
            return {}
        return {
            "rps": round(statistics.median(run.rps for run in good), 1),
            "p50_ms": round(statistics.median(run.p50_ms for run in good), 3),
            "p99_ms": round(statistics.median(run.p99_ms for run in good), 3),
            "non_2xx": sum(run.non_2xx for run in good),
            "socket_errors": sum(run.socket_errors for run in good),
            "requests": sum(run.requests for run in good),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "what": self.what,
            "median": self.median(),
            "runs": [asdict(run) for run in self.runs],
            "probe_status": self.probe_status,
            "outbox_drain_seconds": self.outbox_drain_seconds,
        }


def post_body(title: str) -> str:
    body = "A benchmark post body with a few sentences of text. " * 10
    return json.dumps({"title": title, "body": body.strip(), "tags": ["bench", TAGS[2]]})


def scenarios(data: Dataset) -> list[Scenario]:
    get_post = Request("GET", f"{POSTS}/{data.post_id}")
    create = Request(
        "POST", POSTS, post_body("Bench post {n}"), content_type="application/json", auth=True
    )
    depth_0 = Request("GET", f"{POSTS}?limit=20")
    depth_90 = Request("GET", f"{POSTS}?limit=20&cursor={data.depth_90_cursor}")
    by_tag = Request("GET", f"{POSTS}?tag={data.tag}")
    return [
        Scenario(
            "get_post_db",
            "GET one post, cache off, vs ORM / Core / constant baselines",
            (
                Variant("service", SERVICE_OFF, (get_post,)),
                Variant("service_asyncmy", SERVICE_OFF_ASYNCMY, (get_post,)),
                Variant("orm", "orm", (get_post,)),
                Variant("core", "core", (get_post,)),
                Variant("raw", "raw", (get_post,)),
                Variant("constant", "constant", (get_post,)),
            ),
        ),
        Scenario(
            "list_pages",
            "newest-first page of 20 at depth 0 and at 90 % depth (cursor), cache off",
            (
                Variant("depth_0", SERVICE_OFF, (depth_0,)),
                Variant("depth_90", SERVICE_OFF, (depth_90,)),
                Variant("depth_0_asyncmy", SERVICE_OFF_ASYNCMY, (depth_0,)),
                Variant("depth_90_asyncmy", SERVICE_OFF_ASYNCMY, (depth_90,)),
            ),
        ),
        Scenario(
            "tag_total",
            f"GET posts?tag={data.tag} (page + total), cache off vs on",
            (
                Variant("cache_off", SERVICE_OFF, (by_tag,)),
                Variant("cache_off_asyncmy", SERVICE_OFF_ASYNCMY, (by_tag,)),
                Variant("cache_on", SERVICE_ON, (by_tag,)),
            ),
        ),
        Scenario(
            "mix",
            "90 % GET one post / 10 % POST a post, cache off and on",
            (
                Variant("cache_off", SERVICE_OFF, (get_post, create)),
                Variant("cache_off_asyncmy", SERVICE_OFF_ASYNCMY, (get_post, create)),
                Variant("cache_on", SERVICE_ON, (get_post, create)),
            ),
        ),
        Scenario(
            "get_post_cached",
            "GET one post on a cache hit vs a bare Redis GET, parsed or as stored bytes",
            (
                Variant("service", SERVICE_ON, (get_post,)),
                Variant("redis_get", "redis_get", (get_post,)),
                Variant("bytes", "bytes", (get_post,)),
            ),
        ),
        Scenario(
            "create_post",
            "POST a post with tags and a bearer token (cache on) vs one bare INSERT",
            (
                Variant("service", SERVICE_ON, (create,)),
                Variant("service_asyncmy", SERVICE_ON_ASYNCMY, (create,)),
                Variant("insert", "insert", (create,)),
            ),
        ),
    ]


class Bench:
    def __init__(self, config: Config, data: Dataset, servers: Servers, work: Path) -> None:
        self.config = config
        self.data = data
        self.servers = servers
        self.work = work
        self.results: dict[str, dict[str, VariantResult]] = {}
        self.extra: dict[str, Any] = {}
        self.errors: list[str] = []

    def error(self, message: str) -> None:
        print(f"  ! {message}", flush=True)
        self.errors.append(message)

    def _target(self, variant: Variant, label: str) -> tuple[str, Path | None]:
        server = self.servers[variant.server]
        requests = variant.requests
        if len(requests) == 1 and requests[0].method == "GET" and not requests[0].auth:
            return server.base + requests[0].path, None
        script = self.work / f"{label}.lua"
        script.write_text(lua_script(requests, server))
        return server.base + requests[0].path, script

    def _drain_outbox(self) -> float:
        """Wait until the service has published every event (the write's tail work)."""
        began = time.monotonic()
        unsent = "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"
        while time.monotonic() - began < DRAIN_TIMEOUT:
            if int(_sql(self.config.database, unsent)[0][0]) == 0:
                break
            time.sleep(0.25)
        else:
            self.error(f"outbox still has unsent events after {DRAIN_TIMEOUT:.0f} s")
        return round(time.monotonic() - began, 2)

    def run(self, scenario: Scenario) -> None:
        print(f"\n== {scenario.name}: {scenario.title}", flush=True)
        try:
            self.servers.need({variant.server for variant in scenario.variants})
        except ServerFailed as failure:
            self.error(f"{scenario.name}: {failure}")
            return
        table = self.results.setdefault(scenario.name, {})
        targets: dict[str, tuple[str, Path | None]] = {}
        for variant in scenario.variants:
            server = self.servers[variant.server]
            result = table.setdefault(variant.key, VariantResult(variant.server, server.spec.what))
            try:
                result.probe_status = [request.send(server) for request in variant.requests]
                targets[variant.key] = self._target(variant, f"{scenario.name}-{variant.key}")
            except (httpx.HTTPError, KeyError, ValueError) as failure:
                self.error(f"{scenario.name}/{variant.key}: probe failed: {failure!r}")
                continue
            if any(status >= 400 for status in result.probe_status):
                self.error(f"{scenario.name}/{variant.key}: probe answered {result.probe_status}")
            if self.config.warmup:
                url, script = targets[variant.key]
                wrk(url, script=script, connections=variant.connections, seconds=self.config.warmup)
        for number in range(self.config.rounds):
            order = scenario.variants if number % 2 == 0 else tuple(reversed(scenario.variants))
            for variant in order:
                if variant.key not in targets:
                    continue
                url, script = targets[variant.key]
                run = wrk(
                    url, script=script, connections=variant.connections, seconds=self.config.seconds
                )
                result = table[variant.key]
                result.runs.append(run)
                _print_run(scenario.name, variant.key, number, self.config.rounds, run)
                if variant.writes and variant.server.startswith("service"):
                    result.outbox_drain_seconds.append(self._drain_outbox())

    def check_deep_page(self) -> None:
        """The cursor built here must land where the service's own paging would."""
        if SERVICE_OFF not in self.servers.running:
            return
        url = f"{self.servers[SERVICE_OFF].base}{POSTS}?limit=20&cursor={self.data.depth_90_cursor}"
        items = httpx.get(url, timeout=30.0).json().get("items", [])
        matches = bool(items) and items[0]["id"] == self.data.depth_90_first_id
        self.extra["depth_90_first_item_matches"] = matches
        if not matches:
            self.error("the 90 % depth page does not start at the expected post")

    def count_selects(self) -> None:
        """SELECT statements per request of the tag page, from MariaDB's global Com_select."""
        path = f"{POSTS}?tag={self.data.tag}"
        figures: dict[str, float] = {}
        for key, name in (("cache_off", SERVICE_OFF), ("cache_on", SERVICE_ON)):
            if name not in self.servers.running:
                continue
            with httpx.Client(base_url=self.servers[name].base, timeout=30.0) as client:
                client.get(path)  # on the cached server, this fills the entry
                before = _com_select()
                overhead = _com_select() - before
                start = _com_select()
                statuses = {client.get(path).status_code for _ in range(SELECT_SAMPLE)}
                end = _com_select()
            figures[key] = round(max(0, end - start - overhead) / SELECT_SAMPLE, 3)
            if statuses != {200}:
                self.error(f"select count on {key}: statuses {sorted(statuses)}")
        self.extra["tag_total_selects_per_request"] = figures
        print(f"  SELECT statements per request (Com_select): {figures}", flush=True)

    def run_login(self) -> None:
        """Sign-in throughput, and a post's GET p99 while sign-ins run against its idle p99."""
        name = "login"
        print(f"\n== {name}: sign-in (argon2) throughput and its effect on a GET", flush=True)
        try:
            self.servers.need({SERVICE_ON})
        except ServerFailed as failure:
            self.error(f"{name}: {failure}")
            return
        server = self.servers[SERVICE_ON]
        form = urlencode({"username": BENCH_EMAIL, "password": BENCH_PASSWORD})
        sign_in = Request(
            "POST",
            "/api/v1/auth/token",
            form,
            content_type="application/x-www-form-urlencoded",
        )
        get_post = Request("GET", f"{POSTS}/{self.data.post_id}")
        script = self.work / "login.lua"
        script.write_text(lua_script((sign_in,), server))
        login_url = server.base + sign_in.path
        get_url = server.base + get_post.path
        what = server.spec.what
        table = {
            key: VariantResult(SERVICE_ON, what)
            for key in ("login", "get_idle", "get_during_login", "login_during_get")
        }
        self.results[name] = table
        self.extra["hasher"] = self.measure_hasher()
        table["login"].probe_status = [sign_in.send(server)]
        table["get_idle"].probe_status = [get_post.send(server)]
        seconds = self.config.seconds
        if self.config.warmup:
            wrk(login_url, script=script, connections=LOGIN_CONNECTIONS, seconds=self.config.warmup)
            wrk(get_url, script=None, connections=CONNECTIONS, seconds=self.config.warmup)
        for number in range(self.config.rounds):
            run = wrk(login_url, script=script, connections=LOGIN_CONNECTIONS, seconds=seconds)
            table["login"].runs.append(run)
            _print_run(name, "login", number, self.config.rounds, run)
            steps = ["idle", "busy"] if number % 2 == 0 else ["busy", "idle"]
            for step in steps:
                if step == "idle":
                    run = wrk(get_url, script=None, connections=CONNECTIONS, seconds=seconds)
                    table["get_idle"].runs.append(run)
                    _print_run(name, "get_idle", number, self.config.rounds, run)
                    continue
                background = start_wrk(
                    login_url, script=script, connections=LOGIN_CONNECTIONS, seconds=seconds + 2
                )
                time.sleep(1.0)
                run = wrk(get_url, script=None, connections=CONNECTIONS, seconds=seconds)
                logins = finish_wrk(background, seconds + 2)
                table["get_during_login"].runs.append(run)
                table["login_during_get"].runs.append(logins)
                _print_run(name, "get_during_login", number, self.config.rounds, run)
                _print_run(name, "login_during_get", number, self.config.rounds, logins)

    def measure_hasher(self) -> dict[str, Any]:
        """The hasher's own verifications per second, on the server's core and one thread."""
        command = [_tool("taskset"), "-c", SERVER_CORE, sys.executable, "-m", "bench.hasher"]
        completed = subprocess.run(  # noqa: S603  (fixed command)
            [*command, str(HASHER_SECONDS)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=HASHER_SECONDS + 60,
            check=False,
        )
        if completed.returncode != 0:
            self.error(f"hasher: {completed.stderr.strip()[-500:]}")
            return {}
        figures: dict[str, Any] = json.loads(completed.stdout)
        print(f"  hasher alone: {figures['per_second']:.1f} verifications/s", flush=True)
        return figures

    def run_memory(self) -> None:
        """A fresh service process under the 90/10 mix (cache on) for memory_requests
        requests; its resident memory at the half-way mark and at the end."""
        name = "memory"
        target = self.config.memory_requests
        print(f"\n== {name}: resident memory of one worker over {target} requests", flush=True)
        try:
            self.servers.need(set())  # the service starts afresh: counting from zero
            self.servers.need({SERVICE_ON})
        except ServerFailed as failure:
            self.error(f"{name}: {failure}")
            return
        server = self.servers[SERVICE_ON]
        get_post = Request("GET", f"{POSTS}/{self.data.post_id}")
        create = Request(
            "POST", POSTS, post_body("Bench post {n}"), content_type="application/json", auth=True
        )
        script = self.work / "memory.lua"
        script.write_text(lua_script((get_post, create), server))
        url = server.base + get_post.path
        samples: list[tuple[int, int]] = [(0, _rss_kib(server.process.pid))]
        served = 0
        errors = 0
        while served < target:
            run = wrk(url, script=script, connections=CONNECTIONS, seconds=MEMORY_CHUNK_SECONDS)
            if run.error is not None:
                self.error(f"{name}: {run.error}")
                return
            served += run.requests
            errors += run.non_2xx + run.socket_errors
            samples.append((served, _rss_kib(server.process.pid)))
            print(
                f"  {name}: {served:>8} requests  rss {samples[-1][1] / 1024:8.1f} MiB", flush=True
            )
        half_at, half = next((count, rss) for count, rss in samples if count >= target // 2)
        end = samples[-1][1]
        growth = round(100.0 * (end - half) / half, 2)
        self.extra[name] = {
            "requests": served,
            "error_responses": errors,
            "rss_start_mib": round(samples[0][1] / 1024, 1),
            "rss_half_mib": round(half / 1024, 1),
            "rss_half_at_requests": half_at,
            "rss_end_mib": round(end / 1024, 1),
            "growth_half_to_end_percent": growth,
            "samples": [{"requests": count, "rss_kib": rss} for count, rss in samples],
        }
        print(f"  {name}: growth from the half-way mark to the end: {growth} %", flush=True)


def _rss_kib(pid: int) -> int:
    """The resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def _com_select() -> int:
    rows = _sql("mysql", "SHOW GLOBAL STATUS LIKE 'Com_select'")
    return int(rows[0][1])


def _print_run(scenario: str, key: str, number: int, rounds: int, run: WrkRun) -> None:
    if run.error:
        print(f"  {scenario:<16} {key:<17} round {number + 1}/{rounds}: {run.error}", flush=True)
        return
    print(
        f"  {scenario:<16} {key:<17} round {number + 1}/{rounds}: {run.rps:>9.1f} req/s"
        f"  p50 {run.p50_ms:8.2f} ms  p99 {run.p99_ms:8.2f} ms  non-2xx {run.non_2xx}",
        flush=True,
    )


# ---------------------------------------------------------------- results


def _median_of(results: dict[str, dict[str, VariantResult]], name: str, key: str) -> dict[str, Any]:
    variant = results.get(name, {}).get(key)
    return variant.median() if variant is not None else {}


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


DB_PATH = (
    ("get_post_db", "service"),
    ("list_pages", "depth_0"),
    ("list_pages", "depth_90"),
    ("tag_total", "cache_off"),
    ("mix", "cache_off"),
    ("create_post", "service"),
)
"""The service's runs whose every request reaches the database: the p99_db_ms candidates."""


def ratios(
    results: dict[str, dict[str, VariantResult]],
    extra: dict[str, Any] | None = None,
) -> tuple[dict[str, float | None], tuple[float, str] | None]:
    def figure(name: str, key: str, metric: str) -> float | None:
        value = _median_of(results, name, key).get(metric)
        return None if value is None else float(value)

    computed = {
        "get_db_vs_orm": _ratio(
            figure("get_post_db", "service", "rps"), figure("get_post_db", "orm", "rps")
        ),
        "get_db_vs_core": _ratio(
            figure("get_post_db", "service", "rps"), figure("get_post_db", "core", "rps")
        ),
        "get_db_vs_raw": _ratio(
            figure("get_post_db", "service", "rps"), figure("get_post_db", "raw", "rps")
        ),
        "get_cached_vs_redis": _ratio(
            figure("get_post_cached", "service", "rps"),
            figure("get_post_cached", "redis_get", "rps"),
        ),
        "get_cached_vs_bytes": _ratio(
            figure("get_post_cached", "service", "rps"),
            figure("get_post_cached", "bytes", "rps"),
        ),
        "deep_page_p50_ratio": _ratio(
            figure("list_pages", "depth_90", "p50_ms"), figure("list_pages", "depth_0", "p50_ms")
        ),
        "post_vs_insert": _ratio(
            figure("create_post", "service", "rps"), figure("create_post", "insert", "rps")
        ),
        "login_get_p99_ratio": _ratio(
            figure("login", "get_during_login", "p99_ms"), figure("login", "get_idle", "p99_ms")
        ),
        "login_vs_hasher": _ratio(
            figure("login", "login", "rps"), (extra or {}).get("hasher", {}).get("per_second")
        ),
    }
    p99s = [  # the worst p99 where every request reaches the database
        (value, f"{name}.{key}")
        for name, key in DB_PATH
        if (value := figure(name, key, "p99_ms")) is not None
    ]
    worst = max(p99s) if p99s else None
    return computed, worst


DRIVER_PAIRS = (
    ("get_post_db", "service", "service_asyncmy"),
    ("list_pages", "depth_0", "depth_0_asyncmy"),
    ("list_pages", "depth_90", "depth_90_asyncmy"),
    ("tag_total", "cache_off", "cache_off_asyncmy"),
    ("mix", "cache_off", "cache_off_asyncmy"),
    ("create_post", "service", "service_asyncmy"),
)
"""The same service run on aiomysql (the default) and on asyncmy, scenario by scenario."""


def driver_ratios(results: dict[str, dict[str, VariantResult]]) -> dict[str, float | None]:
    """req/s on asyncmy / req/s on aiomysql, per scenario where both ran."""
    return {
        f"{name}.{default}": _ratio(
            _median_of(results, name, asyncmy).get("rps"),
            _median_of(results, name, default).get("rps"),
        )
        for name, default, asyncmy in DRIVER_PAIRS
    }


def tail_ratios(results: dict[str, dict[str, VariantResult]]) -> dict[str, float | None]:
    """p99 / p50 of every run variant (medians), service and baselines alike."""
    return {
        f"{name}.{key}": _ratio(median.get("p99_ms"), median.get("p50_ms"))
        for name, variants in results.items()
        for key, result in variants.items()
        if (median := result.median())
    }


def _run_text(*command: str) -> str:
    try:
        completed = subprocess.run(  # noqa: S603  (fixed commands)
            [_tool(command[0]), *command[1:]], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired, SystemExit) as failure:
        return f"unavailable: {failure}"
    return (completed.stdout or completed.stderr).strip().splitlines()[0]


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions: dict[str, str] = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    mariadb = _sql("mysql", "SELECT VERSION()")[0][0]
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=redis_db())
    try:
        redis_version = str(client.info("server").get("redis_version", "?"))
    finally:
        client.close()
    return {
        "nproc": _run_text("nproc"),
        "uname": _run_text("uname", "-a"),
        "cpu": cpu,
        "python": sys.version.split()[0],
        "python_full": sys.version,
        "implementation": platform.python_implementation(),
        "packages": versions,
        "mariadb": str(mariadb),
        "redis_server": redis_version,
        "wrk": _run_text("wrk", "-v"),
    }


def print_table(results: dict[str, dict[str, VariantResult]], summary: dict[str, Any]) -> None:
    header = f"{'scenario':<16} {'variant':<17} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9}"
    header += f" {'non-2xx':>8} {'sock err':>8}"
    print("\n" + header)
    print("-" * len(header))
    for name, variants in results.items():
        for key, result in variants.items():
            median = result.median()
            if not median:
                print(f"{name:<16} {key:<17} {'(no successful run)':>30}")
                continue
            print(
                f"{name:<16} {key:<17} {median['rps']:>10.1f} {median['p50_ms']:>9.2f}"
                f" {median['p99_ms']:>9.2f} {median['non_2xx']:>8} {median['socket_errors']:>8}"
            )
    print("\nratios (service / baseline on req/s; deep page and login on latency):")
    for key, value in summary["ratios"].items():
        print(f"  {key:<24} {'n/a' if value is None else value}")
    print(f"  {'p99_db_ms':<24} {summary['p99_db_ms']}  ({summary['p99_db_worst']})")
    print("\nasyncmy / aiomysql (req/s):")
    for key, value in summary["asyncmy_vs_aiomysql"].items():
        print(f"  {key:<24} {'n/a' if value is None else value}")
    print("\np99 / p50:")
    for key, value in summary["p99_over_p50"].items():
        print(f"  {key:<32} {value}")
    selects = summary["extra"].get("tag_total_selects_per_request")
    if selects is not None:
        print(f"  {'tag selects/request':<24} {selects}")
    memory = summary["extra"].get("memory")
    if memory is not None:
        print(
            f"  {'memory (RSS)':<24} {memory['rss_half_mib']} MiB after"
            f" {memory['rss_half_at_requests']} requests, {memory['rss_end_mib']} MiB after"
            f" {memory['requests']}:"
            f" {memory['growth_half_to_end_percent']:+} %"
        )


# ---------------------------------------------------------------- main


def _specs(config: Config, data: Dataset) -> dict[str, ServerSpec]:
    baseline_env = dict(os.environ)
    baseline_env.update(
        BENCH_DB_URL=db_url(config.database),
        BENCH_REDIS_URL=redis_url(),
        BENCH_REDIS_PREFIX=redis_prefix(),
        BENCH_POST_ID=data.post_id,
        BENCH_AUTHOR_ID=data.author_id,
    )
    baselines = {
        "constant": "(a) constant JSON through a response_model",
        "orm": "(b) ORM AsyncSession.get by primary key",
        "core": "(c) Core engine.connect() select by primary key",
        "redis_get": "(d) Redis GET of the post's JSON, parsed",
        "insert": "(e) one INSERT per request in its own transaction",
        "raw": "(f) aiomysql pool select by primary key, no SQLAlchemy",
        "bytes": "(g) bare Starlette route returning the cached bytes from Redis",
    }
    specs = {
        SERVICE_OFF: ServerSpec(
            SERVICE_OFF,
            SERVICE_TARGET,
            service_env(config.database, cache="none"),
            "app.main:app, CACHE_BACKEND=none",
        ),
        SERVICE_ON: ServerSpec(
            SERVICE_ON,
            SERVICE_TARGET,
            service_env(config.database, cache="redis"),
            f"app.main:app, CACHE_BACKEND=redis, CACHE_PREFIX={redis_prefix()}",
        ),
        SERVICE_OFF_ASYNCMY: ServerSpec(
            SERVICE_OFF_ASYNCMY,
            SERVICE_TARGET,
            service_env(config.database, cache="none", driver="asyncmy"),
            "app.main:app, CACHE_BACKEND=none, DATABASE_DRIVER=asyncmy",
        ),
        SERVICE_ON_ASYNCMY: ServerSpec(
            SERVICE_ON_ASYNCMY,
            SERVICE_TARGET,
            service_env(config.database, cache="redis", driver="asyncmy"),
            f"app.main:app, CACHE_BACKEND=redis, CACHE_PREFIX={redis_prefix()},"
            " DATABASE_DRIVER=asyncmy",
        ),
    }
    for name, what in baselines.items():
        specs[name] = ServerSpec(name, f"bench.baselines.{name}:app", baseline_env, what)
    return specs


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, _interrupt) for sig in handled}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main() -> int:
    began = time.monotonic()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    config = Config.from_env()
    print(
        f"bench: db={config.database} posts={config.posts} rounds={config.rounds} "
        f"seconds={config.seconds} warmup={config.warmup}",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="bench-run-"))
    servers: Servers | None = None
    bench: Bench | None = None
    with _signals_interrupt():
        try:
            seeded = seed.ensure_seeded(config.database, config.posts)
            data = read_dataset(config.database, seeded.user_id)
            print(f"dataset: {asdict(data)}", flush=True)
            removed = clear_redis_prefix()
            print(f"redis: removed {removed} keys under {redis_prefix()}:*", flush=True)
            servers = Servers(_specs(config, data), work)
            bench = Bench(config, data, servers, work)
            for scenario in scenarios(data):
                if not config.wants(scenario.name):
                    continue
                bench.run(scenario)
                if scenario.name == "list_pages":
                    bench.check_deep_page()
                if scenario.name == "tag_total":
                    bench.count_selects()
            if config.wants("login"):
                bench.run_login()
            if config.wants("memory"):
                bench.run_memory()
        except KeyboardInterrupt:
            print("\ninterrupted: stopping servers", flush=True)
            shutil.rmtree(work, ignore_errors=True)
            return 130
        finally:
            if servers is not None:
                servers.stop_all()
            stop_all_children()
    assert bench is not None
    computed, worst = ratios(bench.results, bench.extra)
    summary: dict[str, Any] = {
        "started_at": started_at,
        "duration_seconds": round(time.monotonic() - began, 1),
        "config": {
            **asdict(config),
            "connections": CONNECTIONS,
            "login_connections": LOGIN_CONNECTIONS,
            "server_core": SERVER_CORE,
            "load_core": LOAD_CORE,
            "write_every": WRITE_EVERY,
        },
        "seed": asdict(seeded),
        "dataset": asdict(data),
        "machine": machine(),
        "ratios": computed,
        "asyncmy_vs_aiomysql": driver_ratios(bench.results),
        "p99_over_p50": tail_ratios(bench.results),
        "p99_db_ms": None if worst is None else worst[0],
        "p99_db_worst": None if worst is None else worst[1],
        "extra": bench.extra,
        "scenarios": {
            name: {key: result.as_json() for key, result in variants.items()}
            for name, variants in bench.results.items()
        },
        "errors": bench.errors,
        "server_logs": str(work) if bench.errors else None,
    }
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print_table(bench.results, summary)
    print(f"\nwrote {RESULTS.relative_to(ROOT)} in {summary['duration_seconds']} s", flush=True)
    if bench.errors:
        print(f"{len(bench.errors)} problem(s); server logs kept in {work}", flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
