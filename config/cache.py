"""Django's Redis cache, made fault tolerant: with Redis away, a read misses and a write is lost.

The cache only saves work (rendered fragments, allauth's counters); the database is the truth.
So a Redis restart must cost a few cache misses, never a page that answers 500
(DESIGN.md, "Reliability and security rules").
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def _tolerant(name: str, fallback: Any) -> Any:
    method = getattr(RedisCacheClient, name)

    def call(self: RedisCacheClient, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (RedisError, OSError):
            log.warning("cache %s skipped: Redis is unreachable", name)
            if name == "get":  # get(key, default)
                return args[1] if len(args) > 1 else kwargs.get("default")
            return fallback() if callable(fallback) else fallback

    call.__name__ = name
    return call


class TolerantRedisCacheClient(RedisCacheClient):
    get = _tolerant("get", None)
    get_many = _tolerant("get_many", dict)
    has_key = _tolerant("has_key", False)
    add = _tolerant("add", False)
    set = _tolerant("set", None)
    set_many = _tolerant("set_many", list)
    touch = _tolerant("touch", False)
    delete = _tolerant("delete", False)
    delete_many = _tolerant("delete_many", None)
    incr = _tolerant("incr", 0)
    clear = _tolerant("clear", False)


class TolerantRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient
