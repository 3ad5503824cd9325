"""`@cached`: results of query handlers kept in the cache, never stale after a write.

    class PostQueryService(QueryService):
        @query_handler
        @cached(ttl=30, tags=lambda query: [cache_tags.post_list(query)])
        async def get_posts(self, query: PostsQuery) -> PostsResult: ...

- The key is the prefix, the method's qualified name and a digest of its arguments in
  canonical form (pydantic models by their JSON, dataclasses by their fields).
- Values are stored as JSON of the return annotation's type and come back as exactly
  that type (through a pydantic TypeAdapter), not as dicts.
- Tags name what a result depends on. Each tag has a version counter; an entry keeps
  the versions it was computed under, read *before* the computation. A command that
  touches a tag (`self.uow.touch(...)`) bumps its counter after the commit succeeds,
  so every entry carrying it stops matching at once.
- Concurrent misses of one key in one process compute it once (single flight).
- A task reading from the primary (read-your-writes) bypasses the cache.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import json
import random
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, get_type_hints

from pydantic import BaseModel, TypeAdapter

from app.application.consistency import reads_from_primary
from app.application.ports.cache import Cache
from app.application.tracing import span

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")

TAG_COUNTER_TTL_SECONDS = 86_400
"""Counters outlive every entry by far, so one that expires cannot revive an old entry."""

TTL_JITTER = 0.1


def _canonical(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _canonical(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_canonical(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


def arguments_digest(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """Equal for equal arguments, different for different ones."""
    if kwargs or not all(type(arg) is str for arg in args):
        canonical_args: Any = [_canonical(list(args)), _canonical(kwargs)]
    else:  # plain strings (an id) are their own canonical form: the same digest, sooner
        canonical_args = [list(args), {}]
    canonical = _CANONICAL_JSON.encode(canonical_args)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


class CacheKeys:
    """The key layout: `<prefix>:c:<qualified name>:<digest>` and `<prefix>:t:<tag>`."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def entry(self, qualname: str, digest: str) -> str:
        return f"{self.prefix}:c:{qualname}:{digest}"

    def tag(self, tag: str) -> str:
        return f"{self.prefix}:t:{tag}"


class ResultCache:
    """What `@cached` needs at run time: the cache, its key layout, and who hears of
    each lookup's result (`hit`, `miss`, or `bypass` for read-your-writes)."""

    def __init__(
        self, cache: Cache, keys: CacheKeys, observe: Callable[[str], None] | None = None
    ) -> None:
        self.cache = cache
        self.keys = keys
        self.observe = observe or _ignore

    def count(self, result: str) -> None:
        self.observe(result)


def _ignore(_result: str) -> None:
    return None


class _ComputerGone(Exception):
    """The caller computing a shared miss was cancelled: a waiter takes over."""


class _Flights:
    """In-flight computations per key, so concurrent misses share one.

    A waiter is never handed the computing caller's cancellation (its client went
    away, say): one of the waiters computes the result instead.
    """

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Future[Any]] = {}

    async def share(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        while (running := self._running.get(key)) is not None:
            try:
                return await asyncio.shield(running)
            except _ComputerGone:
                continue
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await compute()
        except BaseException as error:
            cancelled = isinstance(error, asyncio.CancelledError)
            future.set_exception(_ComputerGone() if cancelled else error)
            future.exception()  # retrieved: waiters get it, nobody else must
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._running[key]


def undeclared_stores(service: type) -> list[str]:
    """The `store=` names of the class's cached methods that it declares no attribute for."""
    declared: set[str] = set()
    for klass in service.__mro__:
        declared.update(vars(klass).get("__annotations__", {}))
    missing = []
    for name, member in vars(service).items():
        store = getattr(member, "cache_store", None)
        if store is not None and store not in declared:
            missing.append(f"{service.__qualname__}.{name} caches in {store!r}")
    return missing


def _versions(raw: list[bytes | None]) -> list[str | None]:
    return [None if value is None else value.decode() for value in raw]


def cached(
    ttl: float,
    *,
    tags: Callable[..., Iterable[str]] | None = None,
    store: str = "result_cache",
) -> Callable[
    [Callable[Concatenate[S, P], Awaitable[R]]], Callable[Concatenate[S, P], Coroutine[Any, Any, R]]
]:
    """Cache the method's result for `ttl` seconds, tagged by `tags(*args, **kwargs)`.

    The service reaches the cache through its attribute named by `store` (by default
    `result_cache`; None: no caching). The attribute must be declared on the service's
    class: `QueryService` refuses, when the class is defined, a cached method whose
    `store` names no declared attribute (a misspelt store would otherwise never cache).
    Put it under `@query_handler`, so a hit touches no database.
    """

    def decorate(
        method: Callable[Concatenate[S, P], Awaitable[R]],
    ) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
        cache = _CachedMethod(method, ttl=ttl, tags=tags, store=store)

        async def cached_method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            return await cache.call(self, args, kwargs)

        cached_method.cache_store = store  # type: ignore[attr-defined]
        return functools.update_wrapper(cached_method, method)

    return decorate


class _CachedMethod(Generic[R]):
    """One `@cached` method: where its entries live and how a call finds or makes one."""

    def __init__(
        self,
        method: Callable[..., Awaitable[R]],
        *,
        ttl: float,
        tags: Callable[..., Iterable[str]] | None,
        store: str,
    ) -> None:
        self.method = method
        self.ttl = ttl
        self.tags = tags
        self.store = store
        self.qualname = method.__qualname__
        self.flights = _Flights()
        self._adapter: TypeAdapter[R] | None = None

    def adapter(self) -> TypeAdapter[R]:
        """Validates and dumps the return annotation's type (resolved on first use, when
        every name the annotation mentions is defined)."""
        if self._adapter is None:
            self._adapter = TypeAdapter(get_type_hints(self.method)["return"])
        return self._adapter

    async def call(self, service: object, args: tuple[Any, ...], kwargs: dict[str, Any]) -> R:
        results: ResultCache | None = getattr(service, self.store)
        if results is None:
            return await self.method(service, *args, **kwargs)
        if reads_from_primary():
            results.count("bypass")
            return await self.method(service, *args, **kwargs)
        key = results.keys.entry(self.qualname, arguments_digest(args, kwargs))
        tags = self.tags(*args, **kwargs) if self.tags else ()
        with span("cache.lookup", {"cache.method": self.qualname}) as lookup:
            entry, *raw_versions = await results.cache.get_many([key, *map(results.keys.tag, tags)])
            header = _COMPACT_JSON.encode(_versions(raw_versions)).encode()
            hit, payload = False, b""
            if entry is not None:
                stored_header, _, payload = entry.partition(b"\n")
                hit = stored_header == header
            lookup.set_attribute("cache.hit", hit)
        if hit:
            results.count("hit")
            return self.adapter().validate_json(payload)
        results.count("miss")

        async def compute() -> R:
            result = await self.method(service, *args, **kwargs)
            payload = self.adapter().dump_json(result)
            lifetime = self.ttl * random.uniform(1 - TTL_JITTER, 1 + TTL_JITTER)  # noqa: S311
            await results.cache.set(key, header + b"\n" + payload, lifetime)
            return result

        shared: R = await self.flights.share(f"{key}\n{header.decode()}", compute)
        return shared
