"""The window clock: tells open inboxes when a customer's 24 h window is about to close, and
when it has closed (the composer then offers templates). It only informs: what may be sent
is decided by the channel's rules at send time, never by this clock."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction

from inbox.models import Conversation, ConversationStatus
from inbox.policy import CUSTOMER_SERVICE_WINDOW
from inbox.presenters import conversation_event
from inbox.services.events import Event, events_emit, lock_tenant_events

WARN_BEFORE = timedelta(hours=1)
# Windows that closed longer ago than this are not announced (after an outage, say).
ANNOUNCE_CLOSED_WITHIN = timedelta(hours=24)


def window_clock(*, now: datetime) -> dict[str, int]:
    opened_after = now - CUSTOMER_SERVICE_WINDOW
    # Across tenants on purpose: a periodic job over every open conversation.
    unresolved = Conversation.objects.unscoped().exclude(status=ConversationStatus.RESOLVED)
    closing = unresolved.filter(
        last_inbound_at__gt=opened_after, last_inbound_at__lte=opened_after + WARN_BEFORE, window_notice=""
    )
    closed = unresolved.filter(
        last_inbound_at__lte=opened_after, last_inbound_at__gt=opened_after - ANNOUNCE_CLOSED_WITHIN
    ).exclude(window_notice="closed")
    counts = {"closing": 0, "closed": 0}
    for notice, conversations in (("closing", closing), ("closed", closed)):
        by_tenant: dict[int, list[int]] = defaultdict(list)
        for tenant_id, conversation_id in conversations.values_list("tenant_id", "pk")[:5000]:
            by_tenant[tenant_id].append(conversation_id)
        for tenant_id, ids in sorted(by_tenant.items()):
            counts[notice] += _announce(tenant_id, ids, notice=notice, now=now)
    return counts


def _window_state(last_inbound_at: datetime | None, now: datetime) -> str:
    if last_inbound_at is None:
        return ""
    closes_at = last_inbound_at + CUSTOMER_SERVICE_WINDOW
    if closes_at <= now:
        return "closed"
    return "closing" if closes_at - now <= WARN_BEFORE else ""


@transaction.atomic
def _announce(tenant_id: int, conversation_ids: list[int], *, notice: str, now: datetime) -> int:
    sequence = lock_tenant_events(tenant_id)
    # Re-read under the lock: a customer's message may have reopened a window meanwhile.
    conversations = [
        c
        for c in Conversation.objects.for_tenant(tenant_id).filter(pk__in=conversation_ids)
        if c.window_notice != notice and _window_state(c.last_inbound_at, now) == notice
    ]
    for conversation in conversations:
        conversation.window_notice = notice
    Conversation.objects.for_tenant(tenant_id).bulk_update(conversations, ["window_notice"])
    events_emit(
        sequence=sequence,
        events=[
            Event(
                f"conversation.window_{notice}",
                {**conversation_event(c), "expires_at": (c.last_inbound_at + CUSTOMER_SERVICE_WINDOW).isoformat()},
            )
            for c in conversations
            if c.last_inbound_at is not None
        ],
    )
    return len(conversations)
