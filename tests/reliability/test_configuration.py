"""The settings the fault suite relies on, checked where they are cheap to check: no stack needed."""

from __future__ import annotations

from django.conf import settings

from config import broker
from inbox.services import broadcasts
from whatsapp.services import sender
from whatsapp.tasks import attachment_download


def test_a_task_whose_worker_dies_is_run_again() -> None:
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_no_task_waits_or_runs_longer_than_the_broker_hides_it() -> None:
    """Redis hands an unacknowledged task to another worker after the visibility timeout: a
    countdown (or a run) longer than that would run it twice, then again (a loop)."""
    longest = max(
        sender.BACKOFF_MAX_SECONDS * 1.25,  # every send retry is capped there, plus its jitter
        float(getattr(attachment_download, "retry_backoff_max")),  # noqa: B009 (not in celery's stubs)
        broadcasts.WAIT_SECONDS,
        float(settings.CELERY_TASK_TIME_LIMIT),
    )
    visibility_timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert isinstance(visibility_timeout, int)
    assert longest < visibility_timeout


def test_a_restarted_database_costs_no_request() -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_redis_hands_out_abandoned_tasks_again_well_within_the_visibility_timeout() -> None:
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] == settings.BROKER_VISIBILITY_TIMEOUT
    # kombu's default sweeps every 100 s (10 s × a throttle of 10).
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 10


def test_the_database_pool_gives_up_a_reconnection_loop_within_seconds() -> None:
    assert settings.DATABASES["default"]["OPTIONS"]["pool"]["reconnect_timeout"] <= 5


def test_workers_use_the_transport_that_survives_redis_going_away_mid_task() -> None:
    from config.celery import app  # noqa: PLC0415 (the Celery app, once settings are loaded)

    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, broker.Transport)
