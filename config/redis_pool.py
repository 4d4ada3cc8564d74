"""One Redis connection pool per process for Django's cache.

Under ASGI every request gets its own cache object, and Django's Redis cache gives each
object its own pool, so each request connected to Redis anew (a few milliseconds, on the
webhook's hot path too). Pools made through this class are shared by URL and options.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import redis


class SharedConnectionPool(redis.ConnectionPool):
    _registry: ClassVar[dict[str, redis.ConnectionPool]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Any:
        key = f"{url} {sorted(kwargs.items())!r}"
        with cls._registry_lock:
            pool = cls._registry.get(key)
            if pool is None:
                # redis-py notices a fork and starts afresh in the child (Celery's prefork pool).
                pool = cls._registry[key] = super().from_url(url, **kwargs)
        return pool
