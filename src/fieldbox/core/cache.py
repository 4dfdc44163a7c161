"""Django's Redis cache, answering like an empty cache while Redis is down.

The cache holds only what can be lost: rate-limit counters and throttles. When Redis
does not answer, pages and the API keep working (rate limits open, with a warning in the
log) instead of failing with errors; the messages they cause wait in the outbox. After a
failure the cache is skipped for a few seconds, so a Redis that hangs costs one timeout,
not one per call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, TimeoutError

log = logging.getLogger(__name__)
DOWN = (ConnectionError, TimeoutError)
SKIP_SECONDS = 10.0
T = TypeVar("T")


class Breaker:
    """Remembers that a service failed, so callers skip it for ``SKIP_SECONDS`` instead of waiting again."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.down_until = 0.0

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self.down_until

    def trip(self) -> None:
        if not self.is_open:
            log.warning("%s does not answer: skipped for %s s", self.what, SKIP_SECONDS)
        self.down_until = time.monotonic() + SKIP_SECONDS


redis_breaker = Breaker("Redis (cache)")


def _guard(call: Callable[[], T], fallback: T) -> T:
    if redis_breaker.is_open:
        return fallback
    try:
        return call()
    except DOWN:
        redis_breaker.trip()
        return fallback


class ResilientRedisCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return _guard(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return _guard(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return _guard(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        return _guard(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False)

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        _guard(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def set_many(self, data: dict[Any, Any], timeout: Any = None, version: int | None = None) -> list[Any]:
        return _guard(lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data))

    def touch(self, key: Any, timeout: Any = None, version: int | None = None) -> bool:
        return _guard(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        missing = object()
        value = _guard(lambda: super(ResilientRedisCache, self).incr(key, delta, version), missing)
        if value is missing:
            raise ValueError("cache unavailable")  # what rate limiters expect of a missing counter
        return value  # type: ignore[return-value]

    def delete(self, key: Any, version: int | None = None) -> bool:
        return _guard(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        _guard(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        _guard(lambda: super(ResilientRedisCache, self).clear(), None)
