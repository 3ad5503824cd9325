"""Argon2PasswordHasher: argon2id hashes, verified without raising."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest

from app.infra.security.argon2_hasher import HASHING_NICENESS, Argon2PasswordHasher
from app.infra.settings import load_settings


@pytest.fixture(scope="module")
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(memory_kib=1024, time_cost=1, parallelism=1)


class TestArgon2PasswordHasher:
    async def test_hash_verifies_against_its_password(self, hasher: Argon2PasswordHasher) -> None:
        password_hash = await hasher.hash("correct horse")

        assert await hasher.verify(password_hash, "correct horse") is True

    async def test_wrong_password_does_not_verify(self, hasher: Argon2PasswordHasher) -> None:
        password_hash = await hasher.hash("correct horse")

        assert await hasher.verify(password_hash, "battery staple") is False

    @pytest.mark.parametrize("garbage", ["", "not a hash", "$argon2id$v=19$m=1,t=1,p=1$xx$yy"])
    async def test_garbage_hash_does_not_verify(
        self, hasher: Argon2PasswordHasher, garbage: str
    ) -> None:
        assert await hasher.verify(garbage, "correct horse") is False

    async def test_hash_is_argon2id_with_the_given_parameters(
        self, hasher: Argon2PasswordHasher
    ) -> None:
        password_hash = await hasher.hash("correct horse")

        assert password_hash.startswith("$argon2id$")
        assert "$m=1024,t=1,p=1$" in password_hash

    async def test_same_password_hashes_differently_each_time(
        self, hasher: Argon2PasswordHasher
    ) -> None:
        assert await hasher.hash("correct horse") != await hasher.hash("correct horse")


class TestConfiguredArgon2Cost:
    def test_defaults_meet_the_owasp_minimum(self, clean_env: pytest.MonkeyPatch) -> None:
        settings = load_settings()

        assert settings.argon2_memory_kib >= 19456
        assert settings.argon2_time_cost >= 2
        assert settings.argon2_parallelism >= 1


class TestHashingOffTheLoop:
    async def test_the_event_loop_keeps_running_while_a_hash_is_computed(self) -> None:
        hasher = Argon2PasswordHasher(memory_kib=19456, time_cost=2, parallelism=1)
        hashing = asyncio.ensure_future(hasher.hash("correct horse"))
        turns = 0

        while not hashing.done():
            turns += 1
            await asyncio.sleep(0)

        await hashing
        assert turns > 1


class TestHashingThreads:
    async def test_no_more_hashes_run_at_once_than_there_are_threads(self) -> None:
        hasher = Argon2PasswordHasher(memory_kib=1024, time_cost=1, parallelism=1, max_threads=2)
        password_hash = await hasher.hash("correct horse")
        running, most = 0, 0
        lock = threading.Lock()
        verify = hasher._verify

        def counted(stored: str, password: str) -> bool:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.02)
            try:
                return verify(stored, password)
            finally:
                with lock:
                    running -= 1

        hasher._verify = counted  # type: ignore[method-assign,assignment]
        results = await asyncio.gather(
            *(hasher.verify(password_hash, "correct horse") for _ in range(6))
        )

        assert results == [True] * 6
        assert most == 2

    @pytest.mark.parametrize(("cores", "threads"), [({0}, 1), ({0, 1}, 1), ({0, 1, 2, 3}, 3)])
    def test_by_default_one_core_is_left_to_the_event_loop(
        self, monkeypatch: pytest.MonkeyPatch, cores: set[int], threads: int
    ) -> None:
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: cores)

        hasher = Argon2PasswordHasher(memory_kib=1024, time_cost=1, parallelism=1)

        assert hasher.max_threads == threads

    async def test_hashing_threads_yield_to_the_event_loop(self) -> None:
        hasher = Argon2PasswordHasher(memory_kib=1024, time_cost=1, parallelism=1)

        def own_niceness() -> int:
            return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

        in_hashing_thread = await hasher._off_loop(own_niceness)

        assert in_hashing_thread == own_niceness() + HASHING_NICENESS
