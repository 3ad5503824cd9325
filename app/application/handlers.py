"""`@query_handler` and `@command_handler`: how service methods get a unit of work.

A handler opens the unit of work of its kind when it is the outermost handler of that
kind in the current task, and joins the open one otherwise (a context variable), so a
command that calls another command commits once, at the end of the outermost. A child
task (`asyncio.gather`, `create_task`) never joins its parent's scope: one session is
never driven by two tasks at once, so a handler there opens a scope of its own.

If a nested command fails, the whole scope is spoiled: even if the outer command
catches the error, nothing is committed. Inside a handler the service reaches storage
through `self.uow`; outside, it cannot.

When the database refuses a transaction because of concurrent work (deadlock, lock
timeout), the outermost command handler runs the command again, a few times. When a
read or a write finds its pooled connection dead (the database restarted), the
outermost handler runs it once more, on a fresh connection; a command only when its
COMMIT was not sent yet, since a COMMIT that was sent may have been applied.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from app.application.caching import ResultCache, undeclared_stores
from app.application.ports.units_of_work import (
    ReadUnitOfWork,
    ReadUnitOfWorkFactory,
    WriteUnitOfWork,
    WriteUnitOfWorkFactory,
)
from app.domain.errors import Contention, StaleConnection

P = ParamSpec("P")
R = TypeVar("R")
U = TypeVar("U")
Q = TypeVar("Q", bound="QueryService")
C = TypeVar("C", bound="CommandService")

COMMAND_ATTEMPTS = 3
RETRY_BASE_DELAY_SECONDS = 0.01


class SpoiledUnitOfWork(RuntimeError):
    """A nested command failed and its caller went on: the scope must not commit."""


class _LostBeforeCommit(Exception):
    """The connection died before COMMIT was sent: nothing was applied, so it can run again."""

    def __init__(self, error: StaleConnection) -> None:
        super().__init__()
        self.error = error


@dataclass(slots=True)
class _Scope(Generic[U]):
    uow: U
    owner: asyncio.Task[Any] | None
    spoiled: bool = False


_read_scope: ContextVar[_Scope[ReadUnitOfWork] | None] = ContextVar("read_scope", default=None)
_write_scope: ContextVar[_Scope[WriteUnitOfWork] | None] = ContextVar("write_scope", default=None)


def _joinable(scope: _Scope[U] | None) -> _Scope[U] | None:
    """The open scope if it belongs to the running task, else None."""
    if scope is not None and scope.owner is asyncio.current_task():
        return scope
    return None


def _open_uow(scopes: ContextVar[_Scope[U] | None], decorator: str) -> U:
    """The unit of work of the running task's open scope; outside one, an error."""
    scope = _joinable(scopes.get())
    if scope is None:
        raise RuntimeError(f"storage is reachable only inside a {decorator} method")
    return scope.uow


class QueryService:
    """Base of query services: reads through the read unit of work.

    A subclass's `@cached` methods name the attribute holding their cache (`store=`);
    it must be declared on the class (`count_cache: ResultCache | None`), or defining
    the class raises TypeError.
    """

    result_cache: ResultCache | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        missing = undeclared_stores(cls)
        if missing:
            raise TypeError(f"{'; '.join(missing)}, an attribute the class does not declare")

    def __init__(
        self, read_uow: ReadUnitOfWorkFactory, result_cache: ResultCache | None = None
    ) -> None:
        self._read_uow_factory = read_uow
        self.result_cache = result_cache

    @property
    def uow(self) -> ReadUnitOfWork:
        return _open_uow(_read_scope, "@query_handler")


class CommandService:
    """Base of command services: writes through the write unit of work."""

    def __init__(self, write_uow: WriteUnitOfWorkFactory) -> None:
        self._write_uow_factory = write_uow

    @property
    def uow(self) -> WriteUnitOfWork:
        return _open_uow(_write_scope, "@command_handler")


def query_handler(
    method: Callable[Concatenate[Q, P], Awaitable[R]],
) -> Callable[Concatenate[Q, P], Coroutine[Any, Any, R]]:
    """Run the method inside a read unit of work (the caller's, if one is open)."""

    async def handle(self: Q, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await _handle_query(method, self, args, kwargs)

    return functools.update_wrapper(handle, method)


async def _handle_query(
    method: Callable[..., Awaitable[R]],
    service: QueryService,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> R:
    if _joinable(_read_scope.get()) is not None:
        return await method(service, *args, **kwargs)
    try:
        return await _in_new_read_scope(method, service, args, kwargs)
    except StaleConnection:
        return await _in_new_read_scope(method, service, args, kwargs)


async def _in_new_read_scope(
    method: Callable[..., Awaitable[R]],
    service: QueryService,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> R:
    async with service._read_uow_factory() as uow:
        token = _read_scope.set(_Scope(uow, asyncio.current_task()))
        try:
            return await method(service, *args, **kwargs)
        finally:
            _read_scope.reset(token)


def command_handler(
    method: Callable[Concatenate[C, P], Awaitable[R]],
) -> Callable[Concatenate[C, P], Coroutine[Any, Any, R]]:
    """Run the method inside a write unit of work and commit once it returns.

    Nested command handlers join the outermost one, which alone commits. Any exception
    leaves without commit, so the unit of work rolls everything back. The outermost one
    runs again on contention (with backoff) and once on a connection found dead before
    COMMIT was sent; a connection lost during COMMIT is reported, never repeated.
    """

    async def handle(self: C, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await _handle_command(method, self, args, kwargs)

    return functools.update_wrapper(handle, method)


async def _handle_command(
    method: Callable[..., Awaitable[R]],
    service: CommandService,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> R:
    outer = _joinable(_write_scope.get())
    if outer is not None:
        try:
            return await method(service, *args, **kwargs)
        except BaseException:
            outer.spoiled = True
            raise
    attempt, reconnected = 1, False
    while True:
        try:
            return await _in_new_write_scope(method, service, args, kwargs)
        except _LostBeforeCommit as lost:
            if reconnected:
                raise lost.error from lost.error.__cause__
            reconnected = True  # once, and it does not count as an attempt
        except Contention:
            if attempt == COMMAND_ATTEMPTS:
                raise
            delay = RETRY_BASE_DELAY_SECONDS * 2**attempt
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))  # noqa: S311
            attempt += 1


async def _in_new_write_scope(
    method: Callable[..., Awaitable[R]],
    service: CommandService,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> R:
    committing = False
    try:
        async with service._write_uow_factory() as uow:
            scope = _Scope(uow, asyncio.current_task())
            token = _write_scope.set(scope)
            try:
                result = await method(service, *args, **kwargs)
                if scope.spoiled:
                    raise SpoiledUnitOfWork("a nested command failed, so nothing is committed")
                committing = True
                await uow.commit()
                return result
            finally:
                _write_scope.reset(token)
    except StaleConnection as error:
        if committing:
            raise  # the COMMIT may have reached the server: running it again could repeat it
        raise _LostBeforeCommit(error) from None
