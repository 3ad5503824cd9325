"""The service under `make bench` runs on the bench's settings alone: no `.env`, nothing of
the caller's shell, and its own Redis database and key prefix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.infra.settings import load_settings
from bench.common import redis_prefix, service_env
from bench.compare import this_env

HOSTILE = {
    "DATABASE_URL": "mysql+aiomysql://dev:secret@devhost/devdb",
    "DATABASE_NAME": "devdb",
    "REDIS_URL": "redis://devhost:6379/7",
    "CACHE_PREFIX": "devapp",
    "CELERY_BROKER_URL": "amqp://dev:dev@devhost//",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://devhost:4318",
    "ENV_FILE": ".env",
    "CONFIG_FILE": "/elsewhere/config.yml",
}


@pytest.fixture
def developer_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name, value in HOSTILE.items():
        monkeypatch.setenv(name, value)
    (tmp_path / ".env").write_text("DATABASE_NAME=devdb\nCACHE_PREFIX=devapp\nLOG_LEVEL=DEBUG\n")
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_the_service_reads_the_bench_settings_only(developer_shell: pytest.MonkeyPatch) -> None:
    developer_shell.setenv("BENCH_REDIS_DB", "5")
    developer_shell.setenv("BENCH_REDIS_PREFIX", "bench-ci")
    env = service_env("bench_db", cache="redis")
    for name in list(os.environ):
        developer_shell.delenv(name)
    for name, value in env.items():
        developer_shell.setenv(name, value)

    settings = load_settings()

    assert "CELERY_BROKER_URL" not in env
    assert "CONFIG_FILE" not in env
    assert settings.write_url == "mysql+aiomysql://root@127.0.0.1/bench_db?charset=utf8mb4"
    assert settings.redis_url.get_secret_value() == "redis://127.0.0.1:6379/5"
    assert (settings.cache_prefix, settings.log_level) == ("bench-ci", "WARNING")
    assert settings.messaging_in_use == "in_process"
    assert settings.otel_exporter_otlp_endpoint == ""  # not traced unless asked


def test_settings_for_this_checkout_alone_are_read_as_pairs() -> None:
    assert this_env("") == {}
    assert this_env("OTEL_EXPORTER_OTLP_ENDPOINT=http://h:4318/a=b, LOG_LEVEL=INFO") == {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://h:4318/a=b",
        "LOG_LEVEL": "INFO",
    }
    with pytest.raises(SystemExit, match="BENCH_THIS_ENV"):
        this_env("OTEL_EXPORTER_OTLP_ENDPOINT")


def test_the_redis_prefix_is_checked_before_keys_are_deleted_under_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BENCH_REDIS_PREFIX", "*")

    with pytest.raises(SystemExit, match="BENCH_REDIS_PREFIX"):
        redis_prefix()
