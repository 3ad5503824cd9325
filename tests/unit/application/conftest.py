"""Services of the application layer, built on the in-memory fakes."""

from __future__ import annotations

import pytest

from tests.fakes.clock import FakeClock
from tests.fakes.security import FakePasswordHasher
from tests.fakes.storage import FakeDatabase


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hasher() -> FakePasswordHasher:
    return FakePasswordHasher()
