"""Django's Redis cache, answering like an empty cache while Redis is down.

The cache holds only what can be lost: rate-limit counters and throttles. When Redis
does not answer, pages and the API keep working (rate limits open, with a warning in the
log) instead of failing with errors; the messages they cause wait in the outbox.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, TimeoutError

log = logging.getLogger(__name__)
DOWN = (ConnectionError, TimeoutError)
_last_warning = 0.0


def _warn() -> None:
    global _last_warning
    if time.monotonic() - _last_warning > 60:
        _last_warning = time.monotonic()
        log.warning("Redis does not answer: the cache is bypassed and rate limits are open until it is back")


class ResilientRedisCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except DOWN:
            _warn()
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except DOWN:
            _warn()
            return {}

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except DOWN:
            _warn()
            return False

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except DOWN:
            _warn()

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except DOWN:
            _warn()
            raise ValueError("cache unavailable") from None

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except DOWN:
            _warn()
            return False
