"""Erasing a contact (GDPR Art. 17): every row and file that names them goes, in one transaction.

What goes: the contact, its consent history, its conversations with their messages, notes and
what happened, reactions, receipts, stored files (and uploads no one else's message uses), its
data exports; the live events and outbound event-webhook deliveries (with their logged
attempts) that quote any of it; its items in stored Meta webhook bodies (cut out of the JSON),
the dead letters and account updates that name it; mention notifications about its
conversations.

What is anonymised instead, because something else needs the row: broadcast recipients (the
broadcast's counts add up from them) lose the number, parameters and link; billable events
(the workspace's metered WhatsApp costs, which statements and Meta's invoices are reconciled
against) lose the recipient and keep only what was charged, when and in which country; audit
entries about the contact lose its name (they keep the action, who did it and when).

What is kept, and why: the audit entry of the erasure itself, without personal data, which
records how many rows of each kind went and the consent history as kinds, scopes, sources and
times (no proof text, no address): the workspace can still show that its messages were sent
with consent (GDPR Art. 7(1), 17(3)(b) and (e)) without keeping who it was about.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.errors import ServiceError
from accounts.models import AuditLog, Notification, Role, Tenant
from accounts.services import Actor, audit_record, require_role
from billing.models import BillableEvent
from inbox.models import (
    BroadcastRecipient,
    ConsentEvent,
    Contact,
    Conversation,
    EventDelivery,
    Message,
    StatusUpdate,
    TenantEvent,
)
from inbox.services.events import Event, events_emit, lock_tenant_events
from privacy import policy
from privacy.models import ContactExport
from privacy.services.purge import delete_files_on_commit, matching_pks, messages_purge, webhook_events_redact
from whatsapp.models import DeadLetter, PlatformUpdate, WebhookEvent, WhatsAppNumber

ERASED_EVENT = "contact.erased"
# A contact is made from its first webhook; its event may carry a time a little before the row's.
CLOCK_SKEW = timedelta(hours=1)


@dataclass(frozen=True)
class Erasure:
    contact_id: int
    conversation_ids: list[int]
    counts: dict[str, int]


def contact_erase(*, tenant: Tenant, contact_id: int, actor: Actor, now: datetime) -> Erasure:
    """Erase the contact and everything that names them (see the module's docstring); admins only."""
    require_role(actor, Role.ADMIN)
    with transaction.atomic():
        sequence = lock_tenant_events(tenant.pk)
        contact = Contact.objects.for_tenant(tenant).select_for_update().filter(pk=contact_id).first()
        if contact is None:
            raise ServiceError(_("There is no such contact."), code="not_found", http_status=404)
        counts: Counter[str] = Counter()
        conversations = Conversation.objects.for_tenant(tenant).filter(contact_id=contact.pk)
        conversation_ids = sorted(conversations.values_list("pk", flat=True))
        messages = Message.objects.for_tenant(tenant).filter(conversation_id__in=conversation_ids)
        message_ids = list(messages.values_list("pk", flat=True))
        provider_ids = [pid for pid in messages.values_list("provider_message_id", flat=True) if pid]
        identifiers = sorted({value for value in (contact.wa_id, contact.phone.lstrip("+")) if value})

        messages_purge(tenant_id=tenant.pk, message_ids=message_ids, counts=counts)
        _erase_traces(
            tenant=tenant,
            contact=contact,
            message_ids=message_ids,
            conversation_ids=conversation_ids,
            provider_ids=provider_ids,
            identifiers=identifiers,
            counts=counts,
        )
        consent_summary = [
            {"kind": kind, "scope": scope, "source": source, "occurred_at": occurred_at.isoformat()}
            for kind, scope, source, occurred_at in ConsentEvent.objects.for_tenant(tenant)
            .filter(contact_id=contact.pk)
            .order_by("occurred_at", "pk")
            .values_list("kind", "scope", "source", "occurred_at")
        ]
        exports = ContactExport.objects.for_tenant(tenant).filter(contact_id=contact.pk)
        delete_files_on_commit(exports.exclude(file="").values_list("file", flat=True))
        deleted = contact.delete()[1]  # cascades: conversations, their notes, consent, exports…
        for label, key in [
            ("conversations", "inbox.Conversation"),
            ("activities", "inbox.Activity"),
            ("consent_events", "inbox.ConsentEvent"),
            ("exports", "privacy.ContactExport"),
        ]:
            counts[label] += deleted.get(key, 0)
        counts["contacts"] += 1
        events_emit(
            sequence=sequence,
            events=[Event(ERASED_EVENT, {"contact_id": contact_id, "conversation_ids": conversation_ids})],
        )
        audit_record(
            actor=actor,
            action="contact.erased",
            target=None,
            details={
                "contact_id": contact_id,
                "erased_at": now.isoformat(),
                "counts": dict(sorted(counts.items())),
                "consent": consent_summary,
            },
        )
    return Erasure(contact_id=contact_id, conversation_ids=conversation_ids, counts=dict(counts))


def _erase_traces(
    *,
    tenant: Tenant,
    contact: Contact,
    message_ids: list[int],
    conversation_ids: list[int],
    provider_ids: list[str],
    identifiers: list[str],
    counts: Counter[str],
) -> None:
    """Everything outside the contact's own rows that names them (see the module's docstring)."""
    if contact.wa_id:
        # Receipts that arrived before (or without) their message: those whose message we don't have.
        orphans = StatusUpdate.objects.for_tenant(tenant).exclude(
            Exists(Message.objects.for_tenant(tenant).filter(provider_message_id=OuterRef("provider_message_id")))
        )
        theirs = matching_pks(orphans, "recipient_id", lambda recipient: recipient == contact.wa_id)
        counts["status_updates"] += StatusUpdate.objects.for_tenant(tenant).filter(pk__in=theirs).delete()[0]

    def naming(payload: Any) -> bool:
        return policy.payload_refers(
            payload,
            message_ids=frozenset(message_ids),
            conversation_ids=frozenset(conversation_ids),
            contact_id=contact.pk,
        )

    live_events = TenantEvent.objects.for_tenant(tenant)
    # By the ids stored beside the payload; only events stored without them are read one by one.
    unlabelled = live_events.filter(subject_conversation_id__isnull=True, subject_contact_id__isnull=True)
    about_them = (
        Q(subject_conversation_id__in=conversation_ids)
        | Q(subject_contact_id=contact.pk)
        | Q(pk__in=matching_pks(unlabelled, "payload", naming))
    )
    counts["live_events"] += live_events.filter(about_them).delete()[0]
    deliveries = EventDelivery.objects.for_tenant(tenant)
    quoting = matching_pks(deliveries, "payload", lambda payload: naming((payload or {}).get("data")))
    counts["event_deliveries"] += deliveries.filter(pk__in=quoting).delete()[0]
    urls = [
        reverse("inbox_conversation", kwargs={"tenant_slug": tenant.slug, "conversation_id": pk})
        for pk in conversation_ids
    ]
    counts["notifications"] += Notification.objects.for_tenant(tenant).filter(url__in=urls).delete()[0]
    # Rows of the number as typed (invalid or repeated ones have no contact) are found by it too.
    recipients = Q(contact_id=contact.pk)
    if contact.phone:
        numbers = {contact.phone, *identifiers}
        unlinked = BroadcastRecipient.objects.for_tenant(tenant).filter(contact__isnull=True)
        recipients |= Q(pk__in=matching_pks(unlinked, "phone", lambda phone: phone in numbers))
    counts["broadcast_recipients"] += (
        BroadcastRecipient.objects.for_tenant(tenant)
        .filter(recipients)
        .update(contact=None, phone="", parameters={}, reason="")
    )
    if identifiers:
        counts["billable_events"] += (
            BillableEvent.objects.for_tenant(tenant)
            .filter(Q(recipient__in=identifiers) | Q(provider_message_id__in=provider_ids))
            .update(recipient="")
        )
    _erase_webhook_traces(tenant, contact, provider_ids, identifiers, counts)
    counts["audit_entries_anonymised"] += _audit_labels_erase(tenant.pk, contact.pk)


def _erase_webhook_traces(
    tenant: Tenant, contact: Contact, provider_ids: list[str], identifiers: list[str], counts: Counter[str]
) -> None:
    needles = [*identifiers, *provider_ids]
    if not needles:
        return

    def names_them(value: Any) -> bool:
        return policy.names_any(value, needles)

    dead_letters = DeadLetter.objects.filter(tenant_id=tenant.pk)
    counts["dead_letters"] += dead_letters.filter(pk__in=matching_pks(dead_letters, "item", names_them)).delete()[0]
    updates = PlatformUpdate.objects.for_tenant(tenant)
    counts["platform_updates"] += updates.filter(pk__in=matching_pks(updates, "value", names_them)).delete()[0]
    if not contact.wa_id:
        return
    numbers = list(WhatsAppNumber.objects.for_tenant(tenant).values_list("phone_number_id", flat=True))
    # Global rows, found through the tenant's own numbers: Meta may batch several tenants' numbers in
    # one event. Only those received since the contact exists can name it (its first message made it).
    events = WebhookEvent.objects.filter(
        phone_number_ids__overlap=numbers, received_at__gte=contact.created_at - CLOCK_SKEW
    )
    wa_id = contact.wa_id
    naming_them = matching_pks(events, "body", lambda body: wa_id in body)
    webhook_events_redact(
        WebhookEvent.objects.filter(pk__in=naming_them).select_for_update().iterator(),
        lambda body: policy.webhook_without_customer(body, wa_id=contact.wa_id),
        counts,
    )


ERASED_LABEL = ""


def _audit_labels_erase(tenant_id: int, contact_id: int) -> int:
    """Blank the contact's name in the audit entries about it. The one change the audit log
    allows (privacy migration 0002's trigger): the entry keeps what happened, by whom, when."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditLog._meta.db_table} SET target_label = %s"  # noqa: S608 (the table's name, not input)
            " WHERE tenant_id = %s AND target_type = 'Contact' AND target_id = %s AND target_label <> %s",
            [ERASED_LABEL, tenant_id, str(contact_id), ERASED_LABEL],
        )
        updated: int = cursor.rowcount
        return updated
