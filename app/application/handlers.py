"""`@query_handler` and `@command_handler`: how service methods get a unit of work.

A handler opens the unit of work of its kind when it is the outermost handler of that
kind in the current task, and shares the open one otherwise (a context variable), so
a command that calls another command commits once, at the end of the outermost.
Inside a handler the service reaches storage through `self.uow`; outside, it cannot.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Any, Concatenate, ParamSpec, TypeVar

from app.application.ports.units_of_work import (
    ReadUnitOfWork,
    ReadUnitOfWorkFactory,
    WriteUnitOfWork,
    WriteUnitOfWorkFactory,
)

P = ParamSpec("P")
R = TypeVar("R")
Q = TypeVar("Q", bound="QueryService")
C = TypeVar("C", bound="CommandService")

_read_scope: ContextVar[ReadUnitOfWork | None] = ContextVar("read_unit_of_work", default=None)
_write_scope: ContextVar[WriteUnitOfWork | None] = ContextVar("write_unit_of_work", default=None)


class QueryService:
    """Base of query services: reads through the read unit of work."""

    def __init__(self, read_uow: ReadUnitOfWorkFactory) -> None:
        self._read_uow_factory = read_uow

    @property
    def uow(self) -> ReadUnitOfWork:
        uow = _read_scope.get()
        if uow is None:
            raise RuntimeError("storage is reachable only inside a @query_handler method")
        return uow


class CommandService:
    """Base of command services: writes through the write unit of work."""

    def __init__(self, write_uow: WriteUnitOfWorkFactory) -> None:
        self._write_uow_factory = write_uow

    @property
    def uow(self) -> WriteUnitOfWork:
        uow = _write_scope.get()
        if uow is None:
            raise RuntimeError("storage is reachable only inside a @command_handler method")
        return uow


def query_handler(
    method: Callable[Concatenate[Q, P], Awaitable[R]],
) -> Callable[Concatenate[Q, P], Coroutine[Any, Any, R]]:
    """Run the method inside a read unit of work (the caller's, if one is open)."""

    @functools.wraps(method)
    async def handle(self: Q, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if _read_scope.get() is not None:
            return await method(self, *args, **kwargs)
        async with self._read_uow_factory() as uow:
            token = _read_scope.set(uow)
            try:
                return await method(self, *args, **kwargs)
            finally:
                _read_scope.reset(token)

    return handle


def command_handler(
    method: Callable[Concatenate[C, P], Awaitable[R]],
) -> Callable[Concatenate[C, P], Coroutine[Any, Any, R]]:
    """Run the method inside a write unit of work and commit once it returns.

    Nested command handlers join the outermost one, which alone commits. Any exception
    leaves without commit, so the unit of work rolls everything back.
    """

    @functools.wraps(method)
    async def handle(self: C, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if _write_scope.get() is not None:
            return await method(self, *args, **kwargs)
        async with self._write_uow_factory() as uow:
            token = _write_scope.set(uow)
            try:
                result = await method(self, *args, **kwargs)
                await uow.commit()
                return result
            finally:
                _write_scope.reset(token)

    return handle
