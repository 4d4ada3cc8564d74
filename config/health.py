"""GET /healthz: whether the database, Redis and at least one Celery worker answer."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

CHECK_TIMEOUT_SECONDS = 1.0


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure is the answer, not a crash
        return f"error: {type(exc).__name__}"
    return "ok"


def _redis() -> str:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=CHECK_TIMEOUT_SECONDS, socket_connect_timeout=CHECK_TIMEOUT_SECONDS
        )
        client.ping()
        client.close()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def _worker() -> str:
    try:
        replies = celery_app.control.ping(timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok" if replies else "error: no worker answered"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    state = {"database": _database(), "redis": _redis()}
    # Pinging workers goes through Redis; without it the answer is already known.
    state["worker"] = _worker() if state["redis"] == "ok" else "error: redis unavailable"
    healthy = all(value == "ok" for value in state.values())
    return JsonResponse(state, status=200 if healthy else 503)
