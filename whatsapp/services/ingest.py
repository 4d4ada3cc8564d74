"""From stored webhook events to conversations: claim, parse, route, store, exactly once.

The webhook view only stores the raw event and schedules a drain. A drain claims pending
events in batches (SKIP LOCKED, so workers share the load), parses them, routes every item
by phone number id to its tenant, and hands each tenant's items to the inbox in one call
(tenants in id order, so two workers never wait on each other in a cycle). Everything for a
batch, including marking its events processed, commits at once: a worker that dies midway
leaves the events pending for the next drain, and the inbox's provider-id uniqueness makes
the replay harmless.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.crypto import sealed_for
from accounts.tenancy import tenant_scope
from inbox.incoming import IncomingMessage, IncomingReceipt
from inbox.models import Message
from inbox.services.events import lock_tenant_events
from inbox.services.inbound import inbound_store
from whatsapp.models import DeadLetter, PlatformUpdate, WebhookEvent, WebhookEventState, WhatsAppNumber
from whatsapp.payloads import (
    ItemError,
    ParsedAccountUpdate,
    ParsedEnvelope,
    parse_envelope,
)
from whatsapp.services import metering, platform, sender

logger = logging.getLogger(__name__)

DRAIN_TASK = "whatsapp.tasks.webhooks_drain"
ATTACHMENT_TASK = "whatsapp.tasks.attachment_download"
# Set while a drain task is queued and not yet started, so a burst of webhooks queues one drain.
DRAIN_SCHEDULED_KEY = "whatsapp:drain-scheduled"
DRAIN_SCHEDULED_SECONDS = 5
EVENTS_PER_BATCH = 200
MAX_ATTEMPTS = 8
# Pending events older than this lost their wake-up (Redis down, a worker killed): beat drains them.
SWEEP_AFTER = timedelta(seconds=settings.WHATSAPP_SWEEP_SECONDS)


def webhook_store(*, body: str, phone_number_ids: list[str], waba_ids: list[str]) -> WebhookEvent:
    """Keep a verified webhook before answering it; processing starts after the commit."""
    event = WebhookEvent.objects.create(body=body, phone_number_ids=phone_number_ids, waba_ids=waba_ids)
    transaction.on_commit(schedule_drain)
    return event


def schedule_drain() -> None:
    """Queue a drain unless one is queued already. Without Redis, the periodic sweep drains."""
    try:
        if cache.add(DRAIN_SCHEDULED_KEY, 1, timeout=DRAIN_SCHEDULED_SECONDS):
            current_app.send_task(DRAIN_TASK)
    except Exception:  # the event is stored; being late is better than failing the webhook
        logger.warning("could not schedule a webhook drain; the sweep will pick the event up", exc_info=True)


def drain() -> int:
    """Process pending events until none is left; returns how many events were handled."""
    cache.delete(DRAIN_SCHEDULED_KEY)  # from here on, new webhooks schedule another drain
    handled = 0
    while count := process_next_batch():
        handled += count
    return handled


def process_next_batch(*, now: datetime | None = None, limit: int = EVENTS_PER_BATCH) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        events = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(state=WebhookEventState.PENDING)
            .exclude(next_attempt_at__gt=now)
            .order_by("id")[:limit]
        )
        if not events:
            return 0
        try:
            with transaction.atomic():
                _process(events, now)
        except Exception:
            logger.exception("a batch of %d webhook events failed; retrying them one by one", len(events))
            for event in events:
                try:
                    with transaction.atomic():
                        _process([event], now)
                except Exception as error:
                    logger.exception("webhook event %s failed", event.pk)
                    _record_failure(event, error, now)
    return len(events)


def _record_failure(event: WebhookEvent, error: Exception, now: datetime) -> None:
    event.attempts += 1
    event.last_error = f"{type(error).__name__}: {error}"[:4000]
    if event.attempts >= MAX_ATTEMPTS:
        event.state = WebhookEventState.FAILED
    else:
        event.next_attempt_at = now + timedelta(seconds=min(3600, 5 * 2**event.attempts))
    event.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])


@dataclass
class _TenantBatch:
    messages: list[IncomingMessage] = field(default_factory=list)
    receipts: list[IncomingReceipt] = field(default_factory=list)
    updates: list[PlatformUpdate] = field(default_factory=list)


def _process(events: list[WebhookEvent], now: datetime) -> None:
    routed = _route(events, now)
    for tenant_id in sorted(routed.batches):
        batch = routed.batches[tenant_id]
        with tenant_scope(tenant_id):
            lock_tenant_events(tenant_id)
            _link_uncertain_sends(tenant_id, batch.receipts, now)
            result = inbound_store(tenant_id=tenant_id, messages=batch.messages, receipts=batch.receipts, now=now)
            _store_platform_updates(tenant_id, batch.updates)
            metering.receipts_meter(tenant_id=tenant_id, receipts=batch.receipts, now=now)
        _schedule_downloads(tenant_id, result.attachment_ids)
    DeadLetter.objects.bulk_create(routed.dead_letters, ignore_conflicts=True)
    _note_first_webhooks(routed.first_seen)

    _rekey_bodies(events, routed)
    event_ids = {event.pk for event in events}
    done = WebhookEvent.objects.filter(pk__in=event_ids - routed.unroutable)
    done.update(state=WebhookEventState.PROCESSED, processed_at=now, attempts=F("attempts") + 1, last_error="")
    waiting = WebhookEvent.objects.filter(pk__in=routed.unroutable)
    waiting.update(state=WebhookEventState.UNROUTABLE, attempts=F("attempts") + 1, last_error="")


def _rekey_bodies(events: list[WebhookEvent], routed: _Routed) -> None:
    """A processed event's body, kept for re-drives, is encrypted again with its one tenant's key
    instead of the platform key, so shredding that tenant makes it unreadable too. An event
    naming several tenants (rare: one app, several numbers in one POST) keeps the platform key."""
    rekeyed = []
    for event in events:
        owners = routed.owners.get(event.pk, set())
        if len(owners) == 1 and event.pk not in routed.unroutable:
            (tenant_id,) = owners
            event.body = sealed_for(WebhookEvent, "body", event.body, tenant_id=tenant_id)
            rekeyed.append(event)
    WebhookEvent.objects.bulk_update(rekeyed, ["body"])


@dataclass
class _Routed:
    batches: dict[int, _TenantBatch] = field(default_factory=lambda: defaultdict(_TenantBatch))
    unroutable: set[int] = field(default_factory=set)
    # The tenants each event's items went to.
    owners: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    dead_letters: list[DeadLetter] = field(default_factory=list)
    # number id → when the earliest of these events naming it was received
    first_seen: dict[int, datetime] = field(default_factory=dict)

    def saw(self, number: WhatsAppNumber, event: WebhookEvent) -> None:
        if number.first_webhook_at is None:
            seen = self.first_seen.get(number.pk)
            self.first_seen[number.pk] = min(seen, event.received_at) if seen else event.received_at


def _route(events: list[WebhookEvent], now: datetime) -> _Routed:
    """Every item of every event, grouped by the tenant whose number it names."""
    parsed = {event.pk: parse_envelope(json.loads(event.body)) for event in events}
    numbers = _numbers_for(parsed.values())
    routed = _Routed()
    for event in events:
        envelope = parsed[event.pk]
        for item in envelope.messages:
            if number := numbers.by_phone.get(item.phone_number_id):
                routed.saw(number, event)
                routed.batches[number.tenant_id].messages.append(replace(item.message, channel_id=number.channel_id))
                routed.owners[event.pk].add(number.tenant_id)
            else:
                routed.unroutable.add(event.pk)
        for status in envelope.statuses:
            if number := numbers.by_phone.get(status.phone_number_id):
                routed.saw(number, event)
                routed.batches[number.tenant_id].receipts.append(status.receipt)
                routed.owners[event.pk].add(number.tenant_id)
            else:
                routed.unroutable.add(event.pk)
        for position, update in enumerate(envelope.account_updates):
            if number := numbers.for_update(update):
                routed.saw(number, event)
                routed.batches[number.tenant_id].updates.append(_platform_update(event, position, update, number, now))
                routed.owners[event.pk].add(number.tenant_id)
            else:
                routed.unroutable.add(event.pk)
        routed.dead_letters += [
            _dead_letter(event, position, item_error, numbers, now)
            for position, item_error in enumerate(envelope.errors)
        ]
    return routed


def _store_platform_updates(tenant_id: int, updates: list[PlatformUpdate]) -> None:
    """Keep each account update once (reprocessing an event repeats none), then dispatch the new ones."""
    if not updates:
        return
    stored = PlatformUpdate.objects.for_tenant(tenant_id)
    known = set(stored.filter(event__in={u.event_id for u in updates}).values_list("event_id", "position"))
    fresh = [u for u in updates if (u.event_id, u.position) not in known]
    platform.dispatch(stored.bulk_create(fresh))


def _note_first_webhooks(first_seen: dict[int, datetime]) -> None:
    """Numbers that never had a webhook before have one now (kept once: the earliest)."""
    for number_id, received_at in first_seen.items():
        WhatsAppNumber.objects.unscoped().filter(pk=number_id, first_webhook_at__isnull=True).update(
            first_webhook_at=received_at
        )


def _link_uncertain_sends(tenant_id: int, receipts: list[IncomingReceipt], now: datetime) -> None:
    """Receipts naming a provider id we never stored, but carrying our callback data, answer a
    send whose worker died before storing Meta's answer: the message gets its provider id."""
    ours = [r for r in receipts if sender.message_id_from_callback(r.biz_opaque_callback_data) is not None]
    if not ours:
        return
    known = set(
        Message.objects.for_tenant(tenant_id)
        .filter(provider_message_id__in={r.provider_message_id for r in ours})
        .values_list("provider_message_id", flat=True)
    )
    for receipt in ours:
        if receipt.provider_message_id not in known:
            sender.link_receipt_to_message(
                tenant_id=tenant_id,
                provider_message_id=receipt.provider_message_id,
                callback=receipt.biz_opaque_callback_data,
                now=now,
            )
            known.add(receipt.provider_message_id)


@dataclass
class _Numbers:
    by_phone: dict[str, WhatsAppNumber]
    by_waba: dict[str, WhatsAppNumber]

    def for_update(self, update: ParsedAccountUpdate) -> WhatsAppNumber | None:
        """Account updates name a number, or only their WhatsApp Business Account (templates)."""
        return self.by_phone.get(update.phone_number_id) or self.by_waba.get(update.waba_id)


def _numbers_for(envelopes: Iterable[ParsedEnvelope]) -> _Numbers:
    phone_ids: set[str] = set()
    waba_ids: set[str] = set()
    for envelope in envelopes:
        phone_ids |= {m.phone_number_id for m in envelope.messages} | {s.phone_number_id for s in envelope.statuses}
        phone_ids |= {u.phone_number_id for u in envelope.account_updates if u.phone_number_id}
        waba_ids |= {u.waba_id for u in envelope.account_updates if u.waba_id}
        phone_ids |= {e.phone_number_id for e in envelope.errors if e.phone_number_id}
    # The one place that looks numbers up across tenants: a webhook names its number, not its tenant.
    found = list(
        WhatsAppNumber.objects.unscoped().filter(phone_number_id__in=phone_ids)
        | WhatsAppNumber.objects.unscoped().filter(waba_id__in=waba_ids)
    )
    return _Numbers(
        by_phone={n.phone_number_id: n for n in found},
        by_waba={n.waba_id: n for n in sorted(found, key=lambda n: n.pk)},
    )


def _platform_update(
    event: WebhookEvent, position: int, update: ParsedAccountUpdate, number: WhatsAppNumber, now: datetime
) -> PlatformUpdate:
    return PlatformUpdate(
        tenant_id=number.tenant_id,
        event=event,
        position=position,
        number=number if number.phone_number_id == update.phone_number_id else None,
        waba_id=update.waba_id,
        field=update.field,
        value=update.value,
        occurred_at=update.occurred_at,
        received_at=now,
    )


def _dead_letter(event: WebhookEvent, position: int, error: ItemError, numbers: _Numbers, now: datetime) -> DeadLetter:
    number = numbers.by_phone.get(error.phone_number_id) or numbers.by_waba.get(error.waba_id)
    return DeadLetter(
        event=event,
        position=position,
        tenant_id=number.tenant_id if number else None,
        field=error.field,
        item=error.item,
        error=error.error,
        created_at=now,
    )


def _schedule_downloads(tenant_id: int, attachment_ids: list[int]) -> None:
    def send() -> None:
        for attachment_id in attachment_ids:
            current_app.send_task(ATTACHMENT_TASK, kwargs={"tenant_id": tenant_id, "attachment_id": attachment_id})

    if attachment_ids:
        transaction.on_commit(send)


def redrive_unroutable(*, phone_number_id: str, waba_id: str) -> int:
    """Events that waited for this number or its account (now connected) go back to the queue."""
    count = (
        WebhookEvent.objects.filter(state=WebhookEventState.UNROUTABLE)
        .filter(Q(phone_number_ids__contains=[phone_number_id]) | Q(waba_ids__contains=[waba_id]))
        .update(state=WebhookEventState.PENDING, next_attempt_at=None)
    )
    if count:
        schedule_drain()
    return count


def sweep(*, now: datetime | None = None, older_than: timedelta = SWEEP_AFTER) -> int:
    """Drain events left pending (a lost wake-up, Redis down): run by beat."""
    now = now or timezone.now()
    stale = WebhookEvent.objects.filter(state=WebhookEventState.PENDING, received_at__lt=now - older_than).exists()
    return drain() if stale else 0
