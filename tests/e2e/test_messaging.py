"""Events end to end: API -> outbox -> RabbitMQ -> a real Celery worker -> SMTP and stats.

The API runs in the test; the worker is a separate process on MariaDB, Redis and the
machine's RabbitMQ, on a queue of its own. Faults: the API cut off from the broker while
it writes, and the worker killed in the middle of a task.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.infra.db.tables import handled_events, outbox
from tests.api.conftest import Api, create_post, make_container, register, sign_in
from tests.databases import (
    IN_CI,
    ScratchDatabase,
    create_mariadb_database,
    drop_database,
    redis_prefix,
)
from tests.e2e.messaging import (
    BROKER_URL,
    BrokerLink,
    MailBox,
    Worker,
    remove_queue,
    smtp_server,
    start_worker,
    stop_worker,
)
from tests.e2e.servers import environment, free_port
from tests.served import served as serving

pytestmark = pytest.mark.mariadb
TIMEOUT = 45


def _broker_or_skip() -> None:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError as error:
        reason = f"RabbitMQ is not reachable at 127.0.0.1:5672: {error}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {TIMEOUT} s: {what}")


@pytest.fixture
async def database() -> AsyncIterator[ScratchDatabase]:
    _broker_or_skip()
    scratch = await create_mariadb_database()
    yield scratch
    await drop_database(scratch)


@pytest.fixture
def mailbox() -> Iterator[tuple[MailBox, int]]:
    port = free_port()
    with smtp_server(port) as box:
        yield box, port


@pytest.fixture
def settings(database: ScratchDatabase, redis_url: str) -> Iterator[dict[str, Any]]:
    """What the API and the worker share: database, cache, broker queue (removed after)."""
    queue = f"test-{uuid.uuid4().hex}"
    yield {
        "database_url": database.url,
        "cache_backend": "redis",
        "redis_url": redis_url,
        "cache_prefix": redis_prefix(),
        "celery_queue": queue,
    }
    remove_queue(queue)


@pytest.fixture
def start(
    settings: dict[str, Any], mailbox: tuple[MailBox, int], tmp_path: Path
) -> Iterator[Callable[[], Worker]]:
    env = worker_environment(settings, mailbox[1], LOG_LEVEL="INFO")
    workers: list[Worker] = []

    def launch() -> Worker:
        worker = start_worker(env, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker

    yield launch
    for worker in workers:
        stop_worker(worker)


def worker_environment(settings: dict[str, Any], smtp_port: int, **extra: str) -> dict[str, str]:
    """A worker's environment: the settings it shares with the API, the machine's broker,
    mail to the test's SMTP server, and `extra`."""
    env = environment({key.upper(): str(value) for key, value in settings.items()})
    env.update(
        APP_PROFILE="test",
        CELERY_BROKER_URL=BROKER_URL,
        MAILER_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        **extra,
    )
    return env


async def _api(settings: dict[str, Any], broker_url: str) -> AsyncGenerator[Api]:
    container = make_container(
        settings.pop("database_url"),
        celery_broker_url=broker_url,
        outbox_sweep_interval_seconds=0.5,
        outbox_sweep_after_seconds=0.5,
        **settings,
    )
    async with serving(container) as api:
        yield api


@pytest.fixture
async def api(settings: dict[str, Any]) -> AsyncIterator[Api]:
    async for served in _api(dict(settings), BROKER_URL):
        yield served


async def _stats(api: Api, user_id: str) -> dict[str, Any]:
    response = await api.client.get(f"/api/v1/users/{user_id}/stats")
    stats: dict[str, Any] = response.json()
    return stats


async def _unsent(database: ScratchDatabase) -> int:
    async with database.engine.connect() as connection:
        query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        return int((await connection.execute(query)).scalar_one())


class TestEventsThroughTheBroker:
    async def test_mail_arrives_and_stats_converge(
        self, api: Api, start: Callable[[], Worker], mailbox: tuple[MailBox, int]
    ) -> None:
        start()
        user = await register(api.client, "reader@example.com")
        auth = await sign_in(api.client, "reader@example.com")
        posts = [await create_post(api.client, auth, title=f"p{n}") for n in range(3)]

        await eventually(
            lambda: _count_is(api, user["id"], 3, posts[-1]["created_at"]),
            "stats counting three posts",
        )
        await eventually(
            lambda: _true_if(mailbox[0].received == ["reader@example.com"]), "one welcome mail"
        )
        await api.client.delete(f"/api/v1/posts/{posts[-1]['id']}", headers=auth)
        await eventually(
            lambda: _count_is(api, user["id"], 2, posts[-2]["created_at"]), "a delete counted"
        )


class TestBrokerOutage:
    async def test_writes_succeed_and_events_wait_for_the_broker(
        self,
        settings: dict[str, Any],
        database: ScratchDatabase,
        start: Callable[[], Worker],
    ) -> None:
        start()
        link = BrokerLink(free_port())
        await link.up()
        cut_off = _api(dict(settings), f"amqp://guest:guest@127.0.0.1:{link.port}//")
        api = await anext(cut_off)
        try:
            user = await register(api.client, "cut@example.com")
            auth = await sign_in(api.client, "cut@example.com")
            await link.down()

            statuses = [
                (
                    await api.client.post(
                        "/api/v1/posts", json={"title": f"p{n}", "body": "b"}, headers=auth
                    )
                ).status_code
                for n in range(5)
            ]
            await asyncio.sleep(1.5)
            waiting = await _unsent(database)

            await link.up()
            await eventually(lambda: _count_is(api, user["id"], 5), "five posts after the outage")
            await eventually(lambda: _none_unsent(database), "an empty outbox")
        finally:
            await link.down()
            await cut_off.aclose()

        assert statuses == [201] * 5
        assert waiting >= 5


class TestWorkerKilled:
    async def test_a_task_cut_short_is_redelivered_and_done_once(
        self,
        api: Api,
        start: Callable[[], Worker],
        mailbox: tuple[MailBox, int],
        database: ScratchDatabase,
    ) -> None:
        box = mailbox[0]
        first = start()
        box.hold_next()

        await register(api.client, "killed@example.com")
        await asyncio.to_thread(box.delivering.wait, TIMEOUT)
        stop_worker(first, kill=True)
        box.release(refuse=True)
        start()

        await eventually(lambda: _true_if(box.received == ["killed@example.com"]), "one mail")
        await asyncio.sleep(1)
        claims = await _welcome_mails_recorded(database)
        assert box.received == ["killed@example.com"]
        assert claims == 1


class TestWorkerStopped:
    async def test_sigterm_lets_the_running_task_finish_before_the_worker_exits(
        self,
        api: Api,
        start: Callable[[], Worker],
        mailbox: tuple[MailBox, int],
        database: ScratchDatabase,
    ) -> None:
        box = mailbox[0]
        worker = start()
        box.hold_next()

        await register(api.client, "stopped@example.com")
        await asyncio.to_thread(box.delivering.wait, TIMEOUT)
        worker.process.send_signal(signal.SIGTERM)
        await asyncio.sleep(1)
        still_running = worker.process.poll() is None
        box.release(refuse=False)
        exit_code = await asyncio.to_thread(worker.process.wait, TIMEOUT)

        claims = await _welcome_mails_recorded(database)
        assert still_running  # it waited for the task in hand
        assert exit_code == 0, worker.output()
        assert box.received == ["stopped@example.com"]
        assert claims == 1  # finished and recorded before the process left


async def _welcome_mails_recorded(database: ScratchDatabase) -> int:
    async with database.engine.connect() as connection:
        query = (
            select(func.count())
            .select_from(handled_events)
            .where(handled_events.c.consumer == "welcome_mail")
        )
        return int((await connection.execute(query)).scalar_one())


async def _true_if(value: bool) -> bool:
    return value


async def _count_is(api: Api, user_id: str, count: int, newest: str | None = None) -> bool:
    stats = await _stats(api, user_id)
    return bool(stats["post_count"] == count) and (
        newest is None or stats["last_post_at"] == newest
    )


async def _none_unsent(database: ScratchDatabase) -> bool:
    return await _unsent(database) == 0
