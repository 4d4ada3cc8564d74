"""Delivering queued messages to the Graph API: re-checked, rate limited, retried, never lost.

An outbox entry moves pending → sending → sent (or failed). It is marked `sending` and
committed before the call, so a worker that dies during the call leaves a trace: the sweep
moves such an entry to `uncertain`, and it is sent again only if no receipt carrying our
`biz_opaque_callback_data` (relay:<message id>) shows up meanwhile. A receipt that does show
up links the provider id to the message; a second provider id for the same message is a
duplicate send, recorded on the message.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.tenancy import tenant_scope
from inbox.models import Message, MessageStatus, OutboxEntry, OutboxState
from inbox.services.events import events_emit, lock_tenant_events
from inbox.services.inbound import receipts_apply, status_change_events
from whatsapp import ratelimit
from whatsapp.channel import WhatsAppChannel, send_facts
from whatsapp.client import GraphAPIError
from whatsapp.models import WhatsAppNumber
from whatsapp.policy import decide_send

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 300.0
# A call takes seconds at most (client timeout 10 s): older `sending` entries lost their worker.
SENDING_STALE_AFTER = timedelta(seconds=settings.WHATSAPP_SENDING_STALE_SECONDS)
# How long an uncertain send waits for its receipt before it is sent again.
UNCERTAIN_WAIT = timedelta(seconds=settings.WHATSAPP_UNCERTAIN_WAIT_SECONDS)
# A pending entry whose wake-up is this late lost its task (Redis flushed): the sweep queues another.
WAKE_UP_LATE_AFTER = timedelta(seconds=settings.WHATSAPP_SWEEP_SECONDS)
CALLBACK_PREFIX = "relay:"
PAIR_RATE_LIMITED = 131056
# A wait for a sending slot up to this long is slept in the task (at 80 messages/s slots come
# every 12.5 ms); longer ones put the task back in the queue.
MAX_INLINE_WAIT_SECONDS = 0.5


@dataclass(frozen=True)
class Outcome:
    """What became of one delivery attempt; `retry_in` seconds when it must be tried again."""

    state: str
    retry_in: float | None = None


def callback_data(message_id: int) -> str:
    return f"{CALLBACK_PREFIX}{message_id}"


def message_id_from_callback(data: str) -> int | None:
    if data.startswith(CALLBACK_PREFIX) and data[len(CALLBACK_PREFIX) :].isdigit():
        return int(data[len(CALLBACK_PREFIX) :])
    return None


def deliver(*, tenant_id: int, outbox_id: int) -> Outcome:
    with tenant_scope(tenant_id):
        claimed = _claim(outbox_id)
        if isinstance(claimed, Outcome):
            return claimed
        entry, message, number = claimed
        try:
            with number.graph_client() as client:
                result = client.send_message(number.phone_number_id, _request(message))
        except GraphAPIError as error:
            return _record_error(entry, message, number, error, now=timezone.now())
        _record_sent(entry, message, provider_message_id=result.message_id, now=timezone.now())
        return Outcome("sent")


def _claim(outbox_id: int) -> tuple[OutboxEntry, Message, WhatsAppNumber] | Outcome:
    """Lock the entry, re-check the rules, take the sending slots and mark it sending.

    Committed before the call, so a worker that dies during it leaves a trace. A short wait
    for a slot is slept here (holding only this entry's lock); a long one goes back to the queue.
    """
    with transaction.atomic():
        entry = (
            OutboxEntry.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("message__conversation__contact")
            .filter(pk=outbox_id, state=OutboxState.PENDING)
            .first()
        )
        if entry is None:
            return Outcome("skipped")  # sent, failed, or being handled by another worker
        now = timezone.now()
        if entry.next_attempt_at > now:
            return Outcome("pending", retry_in=(entry.next_attempt_at - now).total_seconds())
        message = entry.message
        conversation = message.conversation
        number = WhatsAppNumber.objects.get(channel_id=conversation.channel_id)
        # The window may have closed (or the customer opted out) while the message waited.
        decision = decide_send(send_facts(conversation=conversation, number=number, message=message.content, now=now))
        if not decision.allowed:
            assert decision.reason is not None
            failure = {"code": decision.reason.value, "title": "", "details": "", "message": decision.message}
            _fail(entry, message, failure, now=now)
            return Outcome("refused")
        wait = _take_rate_limit_slots(number, recipient=conversation.contact.wa_id)
        if wait > 0:
            # Not an attempt: the slot was just not free yet. Due then, so the sweep doesn't
            # queue the entry again meanwhile (more tasks competing for the same slots).
            entry.next_attempt_at = now + timedelta(seconds=wait)
            entry.save(update_fields=["next_attempt_at"])
            return Outcome("pending", retry_in=wait)
        entry.state = OutboxState.SENDING
        entry.sending_since = timezone.now()
        entry.attempts += 1
        entry.save(update_fields=["state", "sending_since", "attempts"])
    return entry, message, number


def _take_rate_limit_slots(number: WhatsAppNumber, *, recipient: str) -> float:
    """0 when this send may go now (slots taken), else the seconds to wait. Short waits are
    slept here; a long one is returned.

    The customer's (pair) slot is taken first: it is rarely short, and a number slot taken
    for a send that then has to wait would be lost for every other customer. Once it is
    taken, the number's slot (every few ms) is waited for here: taking the customer's slot
    again on each try burned that customer's burst of 45 whenever concurrent sends of one
    number collided, and pacing fell to one message per 6 s (found by the fault suite).
    """
    pair_limit = ratelimit.pair_limit(phone_number_id=number.phone_number_id, recipient=recipient)
    while (wait := ratelimit.take(pair_limit)) > 0:
        if wait > MAX_INLINE_WAIT_SECONDS:
            return wait
        time.sleep(wait)
    number_limit = ratelimit.number_limit(
        phone_number_id=number.phone_number_id, messages_per_second=number.throughput_mps
    )
    while (wait := ratelimit.take(number_limit)) > 0:
        if wait > MAX_INLINE_WAIT_SECONDS:
            return wait  # the number is saturated: this customer's slot is lost
        time.sleep(wait)
    return 0.0


def _request(message: Message) -> dict[str, Any]:
    """The Graph request: the stored message JSON less our own notes on it (keys starting with "_")."""
    contact = message.conversation.contact
    body = {key: value for key, value in message.content.items() if not key.startswith("_")}
    return {"to": contact.wa_id, **body, "biz_opaque_callback_data": callback_data(message.pk)}


def _record_sent(entry: OutboxEntry, message: Message, *, provider_message_id: str, now: datetime) -> None:
    """Store the provider's id. No event: the "sent" receipt that follows is what inboxes show.

    Without the tenant's event lock, so sends never queue behind a webhook batch; a receipt
    that races this write still finds the message by its callback data (ingest links it).
    """
    with transaction.atomic():
        messages = Message.objects.filter(pk=message.pk)
        stored = messages.filter(provider_message_id__isnull=True).update(
            provider_message_id=provider_message_id, status=MessageStatus.ACCEPTED, status_updated_at=now
        )
        if not stored:
            message.refresh_from_db(fields=["provider_message_id", "content"])
            if message.provider_message_id != provider_message_id:
                _note_duplicate(message, provider_message_id)
        OutboxEntry.objects.filter(pk=entry.pk).update(state=OutboxState.SENT, sent_at=now, last_error="")
        # Receipts may have arrived before the provider id was stored.
        _applied, changed = receipts_apply(
            tenant_id=entry.tenant_id, provider_message_ids=[provider_message_id], now=now
        )
        if changed:
            sequence = lock_tenant_events(entry.tenant_id)
            events_emit(sequence=sequence, events=status_change_events(changed))


def _retry_delay(error: GraphAPIError, *, attempts: int) -> float | None:
    """Seconds until the next attempt (with jitter), or None when this error is final.

    Backoff-class errors (5xx, timeouts, 130429, 80007...) back off exponentially. Of the
    "wait" class, only the pair rate (131056) is worth an automatic retry, after 4^n seconds as
    Meta asks; the others (spam limits, the marketing cap, a paused template) would only
    extend a block if hammered.
    """
    if attempts >= MAX_ATTEMPTS:
        return None
    delay: float
    if error.retryable:
        delay = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** (attempts - 1))
    elif error.code == PAIR_RATE_LIMITED:
        delay = min(BACKOFF_MAX_SECONDS, 4.0**attempts)
    else:
        return None
    return delay * random.uniform(0.75, 1.25)  # noqa: S311 (jitter, not security)


def _record_error(
    entry: OutboxEntry, message: Message, number: WhatsAppNumber, error: GraphAPIError, *, now: datetime
) -> Outcome:
    logger.info("sending message %s failed: %s", message.pk, error)
    delay = _retry_delay(error, attempts=entry.attempts)
    if delay is not None:
        OutboxEntry.objects.filter(pk=entry.pk).update(
            state=OutboxState.PENDING, next_attempt_at=now + timedelta(seconds=delay), last_error=str(error)[:2000]
        )
        return Outcome("pending", retry_in=delay)
    if error.retry == "admin":
        # An invalid token (190) and its kind: the number needs an admin before anything can be sent.
        WhatsAppNumber.objects.filter(pk=number.pk).update(attention=error.human_message, updated_at=now)
    failure = {"code": error.code, "title": error.message, "details": error.details, "message": error.human_message}
    with transaction.atomic():
        _fail(entry, message, failure, now=now)
    return Outcome("failed")


def _fail(entry: OutboxEntry, message: Message, failure: dict[str, Any], *, now: datetime) -> None:
    sequence = lock_tenant_events(entry.tenant_id)
    message.status = MessageStatus.FAILED
    message.error = failure
    message.status_updated_at = now
    message.save(update_fields=["status", "error", "status_updated_at"])
    OutboxEntry.objects.filter(pk=entry.pk).update(state=OutboxState.FAILED, last_error=str(failure["message"]))
    events_emit(sequence=sequence, events=status_change_events([message]))


def _note_duplicate(message: Message, provider_message_id: str) -> None:
    """The provider accepted this message twice (a crash between its answer and our commit)."""
    duplicates = list(message.content.get("_duplicate_provider_ids", []))
    if provider_message_id not in duplicates:
        duplicates.append(provider_message_id)
        logger.warning("message %s was sent twice: %s and %s", message.pk, message.provider_message_id, duplicates)
        message.content = {**message.content, "_duplicate_provider_ids": duplicates}
        message.save(update_fields=["content"])  # saved, so it is encrypted with its tenant's key


def link_receipt_to_message(*, tenant_id: int, provider_message_id: str, callback: str, now: datetime) -> bool:
    """A receipt for a provider id we don't know, carrying our callback data: the answer to an
    uncertain send. Links it (or records a duplicate); True when it was ours."""
    message_id = message_id_from_callback(callback)
    if message_id is None:
        return False
    message = Message.objects.for_tenant(tenant_id).filter(pk=message_id).first()
    if message is None:
        return False
    if message.provider_message_id is None:
        message.provider_message_id = provider_message_id
        message.save(update_fields=["provider_message_id"])
        OutboxEntry.objects.for_tenant(tenant_id).filter(message=message).exclude(state=OutboxState.SENT).update(
            state=OutboxState.SENT, sent_at=now, last_error=""
        )
    elif message.provider_message_id != provider_message_id:
        _note_duplicate(message, provider_message_id)
    return True


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Run by beat: re-queue entries whose wake-up was lost, and settle sends whose worker died."""
    now = now or timezone.now()
    # Across tenants on purpose: housekeeping of the queue itself.
    open_entries = OutboxEntry.objects.unscoped()
    stale = open_entries.filter(state=OutboxState.SENDING, sending_since__lt=now - SENDING_STALE_AFTER)
    became_uncertain = stale.update(state=OutboxState.UNCERTAIN)
    resend = open_entries.filter(state=OutboxState.UNCERTAIN, sending_since__lt=now - UNCERTAIN_WAIT)
    resent = resend.update(state=OutboxState.PENDING, next_attempt_at=now)
    due = list(
        open_entries.filter(state=OutboxState.PENDING, next_attempt_at__lte=now - WAKE_UP_LATE_AFTER).values_list(
            "tenant_id", "pk"
        )[:1000]
    )
    for tenant_id, outbox_id in due:
        WhatsAppChannel().schedule_delivery(tenant_id=tenant_id, outbox_id=outbox_id)
    return {"uncertain": became_uncertain, "resent": resent, "requeued": len(due)}
