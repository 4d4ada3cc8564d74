"""Celery tasks of the WhatsApp channel: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from whatsapp import channel
from whatsapp.channel import DELIVERY_TASK, OUTBOUND_QUEUE, READ_RECEIPT_TASK
from whatsapp.services import ingest, media, sender, templates


@shared_task(name=ingest.DRAIN_TASK)
def webhooks_drain() -> int:
    return ingest.drain()


@shared_task(name="whatsapp.tasks.webhooks_sweep")
def webhooks_sweep() -> int:
    return ingest.sweep()


@shared_task(
    name=ingest.ATTACHMENT_TASK,
    bind=True,
    autoretry_for=(media.RetryableDownloadError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=media.MAX_DOWNLOAD_ATTEMPTS - 1,
)
def attachment_download(self: object, *, tenant_id: int, attachment_id: int) -> None:
    media.attachment_download(tenant_id=tenant_id, attachment_id=attachment_id, final_attempt=_is_final(self))


def _is_final(task: object) -> bool:
    request = getattr(task, "request", None)
    return getattr(request, "retries", 0) >= media.MAX_DOWNLOAD_ATTEMPTS - 1


@shared_task(name=DELIVERY_TASK, queue=OUTBOUND_QUEUE)
def outbox_deliver(*, tenant_id: int, outbox_id: int) -> str:
    outcome = sender.deliver(tenant_id=tenant_id, outbox_id=outbox_id)
    if outcome.retry_in is not None:
        # A new task, not a Celery retry: waiting for a rate-limit slot is not a failure. A wait
        # longer than the broker lets a task sit unacknowledged goes in hops: the woken task
        # finds the entry not yet due and schedules the rest (a longer countdown would be handed
        # to a second worker, then to a third...).
        outbox_deliver.apply_async(
            kwargs={"tenant_id": tenant_id, "outbox_id": outbox_id},
            countdown=min(outcome.retry_in, settings.BROKER_VISIBILITY_TIMEOUT / 2),
            queue=OUTBOUND_QUEUE,
        )
    return outcome.state


@shared_task(name=READ_RECEIPT_TASK, queue=OUTBOUND_QUEUE)
def read_receipt(*, tenant_id: int, message_id: int, typing: bool) -> None:
    channel.read_receipt(tenant_id=tenant_id, message_id=message_id, typing=typing)


@shared_task(name="whatsapp.tasks.outbox_sweep")
def outbox_sweep() -> dict[str, int]:
    return sender.sweep()


@shared_task(name="whatsapp.tasks.templates_sync")
def templates_sync() -> int:
    return templates.templates_sync_all(now=timezone.now())
