"""GET /healthz reports the database, Redis and a Celery worker, each really asked."""

import pytest
from django.test import Client


def test_healthy_with_a_worker(celery_worker_process):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "worker": "ok"}


@pytest.mark.django_db
def test_503_when_no_worker_answers():
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "ok", "worker": "error: no worker answered"}


@pytest.mark.django_db
def test_503_when_redis_is_unreachable(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"].startswith("error: ")
    assert body["worker"] == "error: redis unavailable"
