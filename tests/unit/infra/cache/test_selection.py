"""Which cache keeps what: the configured cache, and the list totals' fallback."""

from __future__ import annotations

from app.application.caching import CacheKeys, ResultCache
from app.infra.cache.memory import MemoryCache
from app.infra.cache.selection import build_count_cache
from app.infra.settings import Settings


def _settings(**values: object) -> Settings:
    return Settings.model_validate({"app_profile": "test", **values})


class TestCountCacheSelection:
    def test_the_result_cache_keeps_counts_when_there_is_one(self) -> None:
        settings = _settings(cache_backend="memory")
        results = ResultCache(MemoryCache(max_entries=10), CacheKeys("test"))
        assert build_count_cache(settings, results) is results

    def test_with_caching_off_counts_get_a_private_memory_cache(self) -> None:
        settings = _settings(cache_backend="none")
        counts = build_count_cache(settings, None)
        assert isinstance(counts.cache, MemoryCache)
        assert counts.keys.prefix == settings.cache_prefix
