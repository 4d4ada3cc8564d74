"""Django's cache objects (one per request under ASGI) share one Redis connection pool per process."""

from django.core.cache import caches


def test_cache_objects_share_one_pool():
    first = caches.create_connection("default")
    second = caches.create_connection("default")
    assert first is not second
    assert first._cache.get_client(write=True).connection_pool is second._cache.get_client(write=True).connection_pool
    first.set("pool-probe", 1, timeout=5)
    assert second.get("pool-probe") == 1
