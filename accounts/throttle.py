"""Counters and cooldowns in the cache (Redis when REDIS_URL is set): one small vocabulary."""

import time

from django.core.cache import cache


def hit(key: str, *, window_seconds: int) -> int:
    """Count one event in a fixed window and return the count so far."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return 1


def count(key: str) -> int:
    return int(cache.get(key) or 0)


def clear(key: str) -> None:
    cache.delete(key)


def start_cooldown(key: str, *, seconds: int) -> int:
    """Start a cooldown unless one runs; return the seconds left of a running one, or 0."""
    now = time.time()
    if cache.add(key, now + seconds, timeout=seconds):
        return 0
    # The stored deadline decides, not only the cache's expiry, so the rule holds to the
    # second whatever the backend's expiry granularity.
    left = (cache.get(key) or 0) - now
    if left <= 0:
        cache.set(key, now + seconds, timeout=seconds)
        return 0
    return int(left) + 1
