"""Retention: each night, messages (with their files) older than a workspace's retention period
are deleted in batches, with everything that carries them (privacy.services.purge), and so are
the live events and outbound event-webhook deliveries of that age (they quote messages), the
workspace's parts of stored Meta webhook bodies and its dead letters. Each batch is its own
transaction, so a big backlog never holds locks for long; a run that stops half-way is finished
by the next one. Conversations stay (without the old messages)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from django.conf import settings
from django.db import transaction

from accounts.models import Role, Tenant
from accounts.services import Actor, audit_record
from inbox.models import EventDelivery, Message, TenantEvent
from privacy import policy
from privacy.services.purge import messages_purge, webhook_events_redact
from whatsapp.models import DeadLetter, WebhookEvent, WebhookEventState, WhatsAppNumber

logger = logging.getLogger(__name__)


def retention_apply(*, tenant: Tenant, now: datetime, batch_size: int | None = None) -> dict[str, int]:
    """Delete what is past the tenant's retention period; the counts, also logged and audited
    (when anything went)."""
    cutoff = policy.retention_cutoff(retention_days=tenant.message_retention_days, now=now)
    if cutoff is None:
        return {}
    size = batch_size or settings.RETENTION_BATCH_SIZE
    counts: Counter[str] = Counter()
    _messages_purge(tenant, cutoff=cutoff, size=size, counts=counts)
    _quotes_purge(tenant, cutoff=cutoff, size=size, counts=counts)
    _webhook_bodies_redact(tenant, cutoff=cutoff, size=size, counts=counts)
    counts["dead_letters"] += DeadLetter.objects.filter(tenant_id=tenant.pk, created_at__lt=cutoff).delete()[0]
    result = {key: value for key, value in sorted(counts.items()) if value}
    if result:
        logger.info("retention of tenant %s (before %s): %s", tenant.pk, cutoff.isoformat(), result)
        audit_record(
            actor=Actor(tenant_id=tenant.pk, role=Role.OWNER),
            action="retention.applied",
            details={"before": cutoff.isoformat(), "retention_days": tenant.message_retention_days, "counts": result},
        )
    return result


def _messages_purge(tenant: Tenant, *, cutoff: datetime, size: int, counts: Counter[str]) -> None:
    while True:
        with transaction.atomic():
            ids = list(
                Message.objects.for_tenant(tenant)
                .filter(sent_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:size]
            )
            messages_purge(tenant_id=tenant.pk, message_ids=ids, counts=counts)
        if len(ids) < size:
            return


def _quotes_purge(tenant: Tenant, *, cutoff: datetime, size: int, counts: Counter[str]) -> None:
    """The live events and outbound deliveries of that age (found by age, not by what they quote:
    the event log is long, and nothing older than the period is needed to catch up)."""
    for label, model in (("live_events", TenantEvent), ("event_deliveries", EventDelivery)):
        old = model.objects.for_tenant(tenant).filter(created_at__lt=cutoff).order_by("pk")
        while True:
            with transaction.atomic():
                batch = model.objects.for_tenant(tenant).filter(pk__in=list(old.values_list("pk", flat=True)[:size]))
                removed = batch.delete()[1].get(model._meta.label, 0)
            counts[label] += removed
            if removed < size:
                break


def _webhook_bodies_redact(tenant: Tenant, *, cutoff: datetime, size: int, counts: Counter[str]) -> None:
    numbers = set(WhatsAppNumber.objects.for_tenant(tenant).values_list("phone_number_id", flat=True))
    if not numbers:
        return
    # Global rows, found through the tenant's numbers; only processed ones: an event still
    # waiting would lose messages it has not stored yet.
    old_events = WebhookEvent.objects.filter(
        phone_number_ids__overlap=sorted(numbers), received_at__lt=cutoff, state=WebhookEventState.PROCESSED
    ).order_by("pk")
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(old_events.filter(pk__gt=last_pk).select_for_update()[:size])
            webhook_events_redact(
                batch, lambda body: policy.webhook_without_numbers(body, phone_number_ids=numbers), counts
            )
        if len(batch) < size:
            return
        last_pk = batch[-1].pk


def retention_apply_all(*, now: datetime) -> dict[int, dict[str, int]]:
    """Apply every workspace's retention (the nightly beat job); what went, by tenant id."""
    report = {}
    for tenant in Tenant.objects.filter(message_retention_days__isnull=False).order_by("pk"):
        counts = retention_apply(tenant=tenant, now=now)
        if counts:
            report[tenant.pk] = counts
    return report
