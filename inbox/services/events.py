"""The tenant's numbered event log: what open inboxes are told, kept so a browser can catch up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from inbox.events import publish_on_commit
from inbox.hooks.policy import LIVE_EVENT_TYPES
from inbox.hooks.services import events_publish
from inbox.models import EventSequence, TenantEvent
from inbox.policy import event_subjects


@dataclass(frozen=True)
class Event:
    type: str
    payload: dict[str, Any]


def lock_tenant_events(tenant_id: int) -> EventSequence:
    """Lock the tenant's event counter for the rest of the transaction.

    Held from the start of a write that emits events, it orders the tenant's writes: event
    numbers then follow commit order, so "everything after N" never skips a late commit.
    """
    EventSequence.objects.for_tenant(tenant_id).bulk_create([EventSequence(tenant_id=tenant_id)], ignore_conflicts=True)
    return EventSequence.objects.for_tenant(tenant_id).select_for_update().get()


def events_emit(*, sequence: EventSequence, events: list[Event]) -> list[TenantEvent]:
    """Number, store and (after commit) publish events; `sequence` must be locked by this transaction."""
    assert transaction.get_connection().in_atomic_block, "events are emitted inside the writing transaction"
    if not events:
        return []
    first = sequence.last_seq + 1
    rows = [
        TenantEvent(
            tenant_id=sequence.tenant_id,
            seq=first + offset,
            type=event.type,
            payload=event.payload,
            subject_conversation_id=subjects.conversation_id,
            subject_contact_id=subjects.contact_id,
        )
        for offset, event in enumerate(events)
        for subjects in [event_subjects(event.payload)]
    ]
    TenantEvent.objects.for_tenant(sequence.tenant_id).bulk_create(rows)
    sequence.last_seq = first + len(rows) - 1
    sequence.save(update_fields=["last_seq"])
    publish_on_commit(
        tenant_id=sequence.tenant_id,
        events=[{"seq": row.seq, "type": row.type, **row.payload} for row in rows],
    )
    # Tenants' own systems subscribed to some of them (outbound event webhooks).
    events_publish(
        tenant_id=sequence.tenant_id,
        events=[(row.type, row.payload) for row in rows if row.type in LIVE_EVENT_TYPES],
        now=timezone.now(),
    )
    return rows
