"""Periodic work of the inbox."""

from celery import shared_task
from django.utils import timezone

from inbox.services.window_clock import window_clock as run_window_clock


@shared_task(name="inbox.tasks.window_clock")
def window_clock() -> dict[str, int]:
    return run_window_clock(now=timezone.now())
