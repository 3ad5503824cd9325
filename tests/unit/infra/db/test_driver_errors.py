"""How the units of work name driver failures: contention, outage, or not theirs."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.domain.errors import Contention, Unavailable
from app.infra.db.units_of_work import SqlReadUnitOfWork


def _operational(*args: object) -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception(*args))


async def _raised_through_a_read_scope(error: BaseException) -> BaseException:
    with pytest.raises(BaseException) as raised:  # noqa: PT011
        async with SqlReadUnitOfWork(lambda: None):  # type: ignore[arg-type,return-value]
            raise error
    return raised.value


class TestDriverErrors:
    @pytest.mark.parametrize(
        "error",
        [
            _operational(1213, "Deadlock found when trying to get lock"),
            _operational(1205, "Lock wait timeout exceeded"),
            _operational("database is locked"),
        ],
    )
    async def test_lock_conflicts_are_contention(self, error: BaseException) -> None:
        raised = await _raised_through_a_read_scope(error)

        assert isinstance(raised, Contention)
        assert raised.__cause__ is error

    @pytest.mark.parametrize(
        "error",
        [
            _operational(2003, "Can't connect to MySQL server"),
            _operational(2013, "Lost connection to MySQL server during query"),
            PoolTimeout("QueuePool limit reached"),
        ],
    )
    async def test_lost_connections_are_unavailable(self, error: BaseException) -> None:
        raised = await _raised_through_a_read_scope(error)

        assert type(raised) is Unavailable

    async def test_other_errors_pass_through(self) -> None:
        error = IntegrityError("INSERT", {}, Exception(1062, "Duplicate entry"))

        assert await _raised_through_a_read_scope(error) is error
