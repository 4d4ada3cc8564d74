"""Celery tasks of the inbox: the window clock, queueing broadcasts, and waking snoozed conversations."""

from celery import shared_task
from django.utils import timezone

from accounts.tenancy import tenant_scope
from inbox.automation.tasks import automation_run_task  # noqa: F401 (registers the bot's task with Celery)
from inbox.hooks.tasks import event_deliveries_sweep, event_delivery_send  # noqa: F401 (registers them too)
from inbox.services import broadcasts
from inbox.services.conversations import conversations_unsnooze_due
from inbox.services.window_clock import window_clock as run_window_clock


@shared_task(name="inbox.tasks.window_clock")
def window_clock() -> dict[str, int]:
    return run_window_clock(now=timezone.now())


@shared_task(name=broadcasts.QUEUE_TASK)  # on the outbound queue: see broadcasts.schedule_queueing
def broadcast_queue(*, tenant_id: int, broadcast_id: int) -> int:
    """Queue the broadcast's next batch, then run again (at once, or once the sender caught up)."""
    with tenant_scope(tenant_id):
        run = broadcasts.broadcast_queue_batch(tenant_id=tenant_id, broadcast_id=broadcast_id, now=timezone.now())
    if run.again_in is not None:
        broadcasts.schedule_queueing(tenant_id=tenant_id, broadcast_id=broadcast_id, countdown=run.again_in)
    return run.queued


@shared_task(name="inbox.tasks.broadcasts_sweep")
def broadcasts_sweep() -> int:
    return broadcasts.broadcasts_sweep(now=timezone.now())


@shared_task(name="inbox.tasks.conversations_unsnooze")
def conversations_unsnooze() -> int:
    """Reopen the snoozed conversations whose time has come (beat, every minute)."""
    return conversations_unsnooze_due(now=timezone.now())
