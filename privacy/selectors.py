"""Reads of data protection: a contact's exports, and everything the workspace holds about a
contact, as the plain JSON an export contains."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from accounts.models import Tenant
from inbox.models import (
    Activity,
    Attachment,
    BroadcastRecipient,
    Channel,
    ConsentEvent,
    Contact,
    Conversation,
    ConversationLabel,
    Message,
    OptInRequest,
    Reaction,
    StatusUpdate,
)
from privacy.models import ContactExport

EXPORT_FORMAT = "relay.contact-export/1"


def contact_exports(*, tenant: Tenant | int, contact_id: int) -> QuerySet[ContactExport]:
    """The contact's exports, newest first."""
    return ContactExport.objects.for_tenant(tenant).filter(contact_id=contact_id).order_by("-created_at", "-pk")


def export_get(*, tenant: Tenant | int, export_id: int) -> ContactExport | None:
    """One of the tenant's exports; None when it is missing or another tenant's."""
    return ContactExport.objects.for_tenant(tenant).filter(pk=export_id).first()


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def media_name(attachment: Attachment) -> str:
    """Where a message's file is in the export's ZIP."""
    base = attachment.filename.replace("/", "_").replace("\\", "_") or "file"
    return f"media/{attachment.message_id}-{base}"


def contact_data(*, tenant_id: int, contact: Contact) -> tuple[dict[str, Any], list[Attachment]]:
    """Everything about the contact, as JSON (see README: "Data protection"), and the stored
    files that go with it."""
    conversations = list(
        Conversation.objects.for_tenant(tenant_id).filter(contact_id=contact.pk).order_by("created_at", "pk")
    )
    conversation_ids = [c.pk for c in conversations]
    channels = dict(Channel.objects.for_tenant(tenant_id).values_list("pk", "name"))
    messages = list(
        Message.objects.for_tenant(tenant_id).filter(conversation_id__in=conversation_ids).order_by("sent_at", "pk")
    )
    message_ids = [m.pk for m in messages]
    statuses: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for update in (
        StatusUpdate.objects.for_tenant(tenant_id)
        .filter(provider_message_id__in=[m.provider_message_id for m in messages if m.provider_message_id])
        .order_by("occurred_at", "pk")
    ):
        statuses[update.provider_message_id].append(
            {"status": update.status, "occurred_at": _time(update.occurred_at), "errors": update.errors}
        )
    reactions: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for reaction in Reaction.objects.for_tenant(tenant_id).filter(message_id__in=message_ids).order_by("pk"):
        reactions[reaction.message_id].append(
            {"direction": reaction.direction, "emoji": reaction.emoji, "reacted_at": _time(reaction.reacted_at)}
        )
    attachments = {a.message_id: a for a in Attachment.objects.for_tenant(tenant_id).filter(message_id__in=message_ids)}
    labels: defaultdict[int, list[str]] = defaultdict(list)
    for conversation_id, name in (
        ConversationLabel.objects.for_tenant(tenant_id)
        .filter(conversation_id__in=conversation_ids)
        .order_by("created_at", "pk")
        .values_list("conversation_id", "label__name")
    ):
        labels[conversation_id].append(name)
    activities: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for activity in (
        Activity.objects.for_tenant(tenant_id).filter(conversation_id__in=conversation_ids).order_by("created_at", "pk")
    ):
        activities[activity.conversation_id].append(
            {
                "kind": activity.kind,
                "by": activity.actor_label,
                "text": activity.body,
                "data": activity.data,
                "created_at": _time(activity.created_at),
            }
        )
    by_conversation: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for message in messages:
        attachment = attachments.get(message.pk)
        by_conversation[message.conversation_id].append(
            {
                "id": message.pk,
                "direction": message.direction,
                "type": message.type,
                "text": message.text,
                "content": message.content,
                "raw": message.raw,
                "status": message.status,
                "error": message.error,
                "provider_message_id": message.provider_message_id,
                "reply_to": message.reply_to_id,
                "author": message.author_label,
                "sent_at": _time(message.sent_at),
                "statuses": statuses.get(message.provider_message_id or "", []),
                "reactions": reactions.get(message.pk, []),
                "file": None
                if attachment is None
                else {
                    "name": media_name(attachment) if attachment.file else None,
                    "filename": attachment.filename,
                    "mime_type": attachment.mime_type,
                    "size": attachment.size,
                    "sha256": attachment.sha256,
                    "state": attachment.state,
                },
            }
        )
    data = {
        "format": EXPORT_FORMAT,
        "contact": {
            "id": contact.pk,
            "phone": contact.phone,
            "wa_id": contact.wa_id,
            "whatsapp_user_id": contact.whatsapp_user_id,
            "name": contact.name,
            "profile_name": contact.profile_name,
            "attributes": contact.attributes,
            "created_at": _time(contact.created_at),
            "updated_at": _time(contact.updated_at),
        },
        "consent": [
            {
                "kind": event.kind,
                "scope": event.scope,
                "source": event.source,
                "proof": event.proof,
                "recorded_by": event.actor_label,
                "ip": event.ip,
                "occurred_at": _time(event.occurred_at),
                "recorded_at": _time(event.created_at),
            }
            for event in ConsentEvent.objects.for_tenant(tenant_id)
            .filter(contact_id=contact.pk)
            .order_by("occurred_at", "pk")
        ],
        # Double opt-in: what was asked and whether the customer confirmed it.
        "opt_in_requests": [
            {
                "scope": request.scope,
                "source": request.source,
                "proof": request.proof,
                "ip": request.ip,
                "requested_at": _time(request.requested_at),
                "template": request.template_name,
                "confirmed_at": _time(request.confirmed_at),
            }
            for request in OptInRequest.objects.for_tenant(tenant_id)
            .filter(contact_id=contact.pk)
            .order_by("requested_at", "pk")
        ],
        "conversations": [
            {
                "id": conversation.pk,
                "channel": channels.get(conversation.channel_id, ""),
                "status": conversation.status,
                "labels": labels.get(conversation.pk, []),
                "created_at": _time(conversation.created_at),
                "resolved_at": _time(conversation.resolved_at),
                "last_message_at": _time(conversation.last_message_at),
                "messages": by_conversation.get(conversation.pk, []),
                "activity": activities.get(conversation.pk, []),
            }
            for conversation in conversations
        ],
        "broadcasts": [
            {
                "broadcast": recipient.broadcast_id,
                "template": recipient.broadcast.template_name,
                "phone": recipient.phone,
                "parameters": recipient.parameters,
                "outcome": recipient.outcome,
                "reason": recipient.reason,
                "message": recipient.message_id,
            }
            for recipient in BroadcastRecipient.objects.for_tenant(tenant_id)
            .filter(contact_id=contact.pk)
            .select_related("broadcast")
            .order_by("pk")
        ],
    }
    return data, [a for a in attachments.values() if a.file]
