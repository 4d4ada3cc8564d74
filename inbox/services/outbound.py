"""Sending: an agent's, an API client's or the system's message, decided at once, delivered later.

`send_message` asks the conversation's channel whether the message may go out now (so the
sender gets the reason at once), then writes the message (queued) and its outbox entry in
one transaction; the channel's delivery picks the entry up after the commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F

from accounts.services import Actor
from inbox.channels import plugin_for
from inbox.models import (
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
    OutboxEntry,
)
from inbox.presenters import conversation_event, message_event
from inbox.services.events import Event, events_emit, lock_tenant_events


@transaction.atomic
def send_message(*, conversation: Conversation, payload: dict[str, Any], actor: Actor, now: datetime) -> Message:
    """Queue `payload` (the channel's own message JSON) to the conversation's contact."""
    tenant_id = conversation.tenant_id
    sequence = lock_tenant_events(tenant_id)
    channel = Channel.objects.for_tenant(tenant_id).get(pk=conversation.channel_id)
    plugin = plugin_for(channel.kind)
    prepared = plugin.prepare_send(conversation=conversation, payload=payload, now=now)
    message = Message.objects.for_tenant(tenant_id).create(
        tenant_id=tenant_id,
        conversation=conversation,
        direction=Direction.OUTBOUND,
        type=prepared.type,
        text=prepared.text,
        content=prepared.content,
        status=MessageStatus.QUEUED,
        reply_to=prepared.reply_to,
        reply_to_provider_id=(prepared.reply_to.provider_message_id or "") if prepared.reply_to else "",
        author=actor.user,
        author_label=actor.label,
        sent_at=now,
        created_at=now,
    )
    outbox = OutboxEntry.objects.for_tenant(tenant_id).create(
        tenant_id=tenant_id, message=message, next_attempt_at=now, created_at=now
    )
    conversation.last_message_at = now
    conversation.updated_at = now
    conversation.unread_count = 0  # answering reads the conversation
    if conversation.status in (ConversationStatus.RESOLVED, ConversationStatus.SNOOZED):
        conversation.status = ConversationStatus.OPEN
        conversation.resolved_at = None
    conversation.save(update_fields=["last_message_at", "updated_at", "unread_count", "status", "resolved_at"])
    events_emit(
        sequence=sequence,
        events=[
            Event("message.created", message_event(message)),
            Event("conversation.updated", conversation_event(conversation)),
        ],
    )
    transaction.on_commit(lambda: plugin.schedule_delivery(tenant_id=tenant_id, outbox_id=outbox.pk))
    return message


@transaction.atomic
def conversation_for_contact(*, channel: Channel, contact: Contact, now: datetime) -> Conversation:
    """The contact's unresolved conversation on the channel, started when there is none."""
    conversations = Conversation.objects.for_tenant(channel.tenant_id).select_for_update()
    existing = (
        conversations.filter(channel=channel, contact=contact).exclude(status=ConversationStatus.RESOLVED).first()
    )
    if existing is not None:
        return existing
    # The customer's window belongs to the contact and number, not to one conversation.
    previous = (
        conversations.filter(channel=channel, contact=contact)
        .order_by(F("last_inbound_at").desc(nulls_last=True))
        .first()
    )
    return Conversation.objects.for_tenant(channel.tenant_id).create(
        tenant_id=channel.tenant_id,
        channel=channel,
        contact=contact,
        last_inbound_at=previous.last_inbound_at if previous else None,
        entry_point_expires_at=previous.entry_point_expires_at if previous else None,
        created_at=now,
        updated_at=now,
    )
