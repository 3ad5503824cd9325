"""The worker's event task: retried with backoff, and never dropped when retries run out."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from app import worker
from app.domain.events import UserRegistered
from app.infra.messaging.event_codec import encode
from tests.fakes.clock import T0


class Retry(Exception):
    pass


class FakeTask:
    def __init__(self, retries: int) -> None:
        self.request = SimpleNamespace(id="e1", retries=retries)
        self.retried_after: float | None = None

    def retry(self, *, exc: BaseException, countdown: float) -> Retry:
        self.retried_after = countdown
        return Retry()


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the consumers fail, and record what the task runs on the worker's loop."""
    calls: list[str] = []

    def run(work: Callable[[Any], Any]) -> None:
        name = getattr(work, "__name__", "")
        calls.append(name)
        if len(calls) == 1:
            raise ConnectionError("mail server down")

    monkeypatch.setattr(worker.runtime, "run", run)
    return calls


def _event() -> tuple[str, str]:
    return encode(UserRegistered(occurred_at=T0, user_id="u", email="u@x.io", display_name="U"))


class TestHandleEvent:
    def test_a_failure_is_retried_with_a_real_delay(self, runs: list[str]) -> None:
        task = FakeTask(retries=3)

        with pytest.raises(Retry):
            worker.handle_event(task, *_event())

        assert task.retried_after is not None
        assert 8 * 0.8 <= task.retried_after <= 8 * 1.2

    def test_when_retries_run_out_the_event_goes_back_to_the_outbox(self, runs: list[str]) -> None:
        task = FakeTask(retries=worker.settings.celery_task_max_retries)

        worker.handle_event(task, *_event())

        assert len(runs) == 2  # the failed dispatch, then putting the event back

    def test_an_unknown_event_type_is_not_retried(self, runs: list[str]) -> None:
        task = FakeTask(retries=0)

        worker.handle_event(task, "NoSuchEvent", "{}")

        assert runs == []
        assert task.retried_after is None

    @pytest.mark.parametrize(("retries", "low", "high"), [(0, 0.8, 1.2), (10, 48, 72)])
    def test_backoff_grows_and_is_capped(self, retries: int, low: float, high: float) -> None:
        assert low <= worker.retry_delay(retries) <= high


class TestCeleryConfiguration:
    def test_messages_are_confirmed_json_and_acked_late(self) -> None:
        conf = worker.celery.conf

        assert conf.broker_transport_options["confirm_publish"] is True
        assert (conf.task_serializer, conf.accept_content) == ("json", ["json"])
        assert (conf.task_acks_late, conf.task_reject_on_worker_lost) == (True, True)
        assert conf.worker_prefetch_multiplier == 1
        assert "expires" in conf.beat_schedule["sweep-outbox"]["options"]
