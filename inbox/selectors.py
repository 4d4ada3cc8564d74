"""Reads of the inbox: conversations, their threads, contacts, their consent and files, always for a
named tenant."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import Tenant
from inbox.consent import DEFAULT_OPT_OUT_CONFIRMATION, DEFAULT_OPT_OUT_KEYWORDS
from inbox.models import (
    Attachment,
    AttachmentState,
    ConsentEvent,
    ConsentSettings,
    Contact,
    Conversation,
    Message,
    MessageType,
    Reaction,
    TenantEvent,
)
from inbox.policy import ConsentState, consent_state


def conversations(
    *,
    tenant: Tenant,
    status: str | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    updated_since: datetime | None = None,
    channel_id: int | None = None,
) -> QuerySet[Conversation]:
    """The tenant's conversations, most recently updated first, with their contact."""
    queryset = Conversation.objects.for_tenant(tenant).select_related("contact")
    if status is not None:
        queryset = queryset.filter(status=status)
    if unassigned:
        queryset = queryset.filter(assignee__isnull=True)
    elif assignee_id is not None:
        queryset = queryset.filter(assignee_id=assignee_id)
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    if channel_id is not None:
        queryset = queryset.filter(channel_id=channel_id)
    return queryset.order_by("-updated_at", "-id")


def conversation_get(*, tenant: Tenant, conversation_id: int) -> Conversation | None:
    """One of the tenant's conversations; None when it is missing or another tenant's."""
    return conversations(tenant=tenant).filter(pk=conversation_id).first()


def conversation_messages(*, tenant: Tenant, conversation: Conversation) -> QuerySet[Message]:
    """A conversation's thread, oldest first. Reactions are not entries of the thread: they
    are shown on the message they react to (see `thread_entries`)."""
    return (
        Message.objects.for_tenant(tenant)
        .filter(conversation=conversation)
        .exclude(type=MessageType.REACTION)
        .order_by("sent_at", "id")
    )


@dataclass(frozen=True)
class ThreadEntry:
    """A message with what is shown with it: the reactions on it and its file."""

    message: Message
    reactions: list[Reaction] = field(default_factory=list)
    attachment: Attachment | None = None


def thread_entries(*, tenant: Tenant, messages: Sequence[Message]) -> list[ThreadEntry]:
    """Reactions and attachments of a page of messages, in one query each."""
    ids = [message.pk for message in messages]
    reactions: dict[int, list[Reaction]] = defaultdict(list)
    for reaction in Reaction.objects.for_tenant(tenant).filter(message_id__in=ids).order_by("reacted_at", "id"):
        reactions[reaction.message_id].append(reaction)
    attachments = {a.message_id: a for a in Attachment.objects.for_tenant(tenant).filter(message_id__in=ids)}
    return [
        ThreadEntry(message=message, reactions=reactions[message.pk], attachment=attachments.get(message.pk))
        for message in messages
    ]


def attachment_ready(*, tenant: Tenant, message_id: int) -> Attachment | None:
    """The stored file of one of the tenant's messages; None unless it is downloaded and kept."""
    return (
        Attachment.objects.for_tenant(tenant)
        .filter(message_id=message_id, state=AttachmentState.READY)
        .exclude(file="")
        .first()
    )


def contacts(*, tenant: Tenant, search: str = "") -> QuerySet[Contact]:
    """The tenant's contacts, newest first; `search` matches name, profile name or phone, any case.

    Phone numbers are matched on their digits, so "+49 151-23" finds "+4915123456789".
    """
    queryset = Contact.objects.for_tenant(tenant)
    search = search.strip()
    if search:
        match = Q(name__icontains=search) | Q(profile_name__icontains=search) | Q(phone__icontains=search)
        digits = "".join(character for character in search if character in "0123456789")
        if digits and not search.strip("+-() .0123456789"):
            match |= Q(phone__contains=digits) | Q(wa_id__contains=digits)
        queryset = queryset.filter(match)
    return queryset.order_by("-id")


RESYNC_PAGE_SIZE = 500


def events_after(*, tenant_id: int, after: int, limit: int = RESYNC_PAGE_SIZE) -> tuple[list[dict[str, Any]], bool]:
    """The tenant's events numbered after `after`, as they were published; and whether that is all."""
    rows = list(TenantEvent.objects.for_tenant(tenant_id).filter(seq__gt=after).order_by("seq")[: limit + 1])
    events = [{"seq": row.seq, "type": row.type, **row.payload} for row in rows[:limit]]
    return events, len(rows) <= limit


def last_messages(*, tenant: Tenant, conversation_ids: Sequence[int]) -> dict[int, Message]:
    """The latest message (reactions aside) of each conversation, in one query."""
    latest = (
        Message.objects.for_tenant(tenant)
        .filter(conversation_id__in=list(conversation_ids))
        .exclude(type=MessageType.REACTION)
        .order_by("conversation_id", "-sent_at", "-id")
        .distinct("conversation_id")
    )
    return {message.conversation_id: message for message in latest}


def contact_get(*, tenant: Tenant, contact_id: int) -> Contact | None:
    """One of the tenant's contacts; None when it is missing or another tenant's."""
    return Contact.objects.for_tenant(tenant).filter(pk=contact_id).first()


def consent_history(*, tenant: Tenant | int, contact: Contact) -> QuerySet[ConsentEvent]:
    """A contact's consent events, newest first."""
    return ConsentEvent.objects.for_tenant(tenant).filter(contact_id=contact.pk).order_by("-occurred_at", "-id")


def consent_state_of(*, tenant: Tenant | int, contact: Contact) -> ConsentState:
    """A contact's consent, derived from its whole history in one query."""
    events = ConsentEvent.objects.for_tenant(tenant).filter(contact_id=contact.pk)
    return consent_state(events.values_list("kind", "scope", "occurred_at"))


def consent_states(*, tenant: Tenant | int, contact_ids: Sequence[int]) -> dict[int, ConsentState]:
    """The consent of each of the contacts (those without history too), in one query."""
    histories: dict[int, list[tuple[str, str, datetime]]] = {contact_id: [] for contact_id in contact_ids}
    if histories:
        rows = (
            ConsentEvent.objects.for_tenant(tenant)
            .filter(contact_id__in=list(histories))
            .values_list("contact_id", "kind", "scope", "occurred_at")
        )
        for contact_id, kind, scope, occurred_at in rows:
            histories[contact_id].append((kind, scope, occurred_at))
    return {contact_id: consent_state(history) for contact_id, history in histories.items()}


def consent_settings(*, tenant: Tenant | int) -> ConsentSettings:
    """The tenant's opt-out keywords and confirmation; until an admin saves some, the defaults
    (an unsaved row: reading writes nothing)."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    stored = ConsentSettings.objects.for_tenant(tenant_id).first()
    if stored is not None:
        return stored
    return ConsentSettings(
        tenant_id=tenant_id,
        opt_out_keywords=list(DEFAULT_OPT_OUT_KEYWORDS),
        opt_out_confirmation=DEFAULT_OPT_OUT_CONFIRMATION,
    )
