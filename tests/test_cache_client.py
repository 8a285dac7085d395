"""The Redis cache keeps one client per connection pool (config/cache.py) and still
behaves as Django's own."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(
    "redis" not in settings.CACHES["default"]["BACKEND"].lower(),
    reason="the cache is Redis only with REDIS_URL set (local memory otherwise)")


def test_one_client_per_pool_not_one_per_call():
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads go to it too


def test_it_behaves_as_djangos_cache():
    from django.core.cache import cache

    cache.delete("cache-client-test")
    assert cache.add("cache-client-test", {"n": 1}, 5) is True
    assert cache.add("cache-client-test", {"n": 2}, 5) is False  # SET NX
    assert cache.get("cache-client-test") == {"n": 1}
    cache.set("cache-client-test-n", 0, 5)
    assert cache.incr("cache-client-test-n") == 1
    cache.set_many({"cache-client-a": 1, "cache-client-b": 2}, 5)
    assert cache.get_many(["cache-client-a", "cache-client-b"]) == {"cache-client-a": 1,
                                                                    "cache-client-b": 2}
    cache.delete_many(["cache-client-test", "cache-client-test-n", "cache-client-a",
                       "cache-client-b"])
    assert cache.get("cache-client-test") is None
