"""Sending: an agent's, an API client's or the system's message, decided at once, delivered later.

`send_message` asks the conversation's channel whether the message may go out now (so the
sender gets the reason at once), then writes the message (queued) and its outbox entry in
one transaction; the channel's delivery picks the entry up after the commit.
"""

from __future__ import annotations

import mimetypes
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.crypto.media import media_save
from accounts.errors import ServiceError
from accounts.services import Actor
from inbox.channels import plugin_for
from inbox.models import (
    MEDIA_TYPES,
    Attachment,
    AttachmentState,
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
    MessageType,
    OutboxEntry,
    UploadedMedia,
)
from inbox.policy import retry_can_help
from inbox.presenters import conversation_event, message_event, status_event
from inbox.services.events import Event, events_emit, lock_tenant_events
from inbox.services.reactions import reaction_set


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
    _attach_uploaded_file(message, channel=channel)
    events = [Event("message.created", message_event(message))]
    if message.type == MessageType.REACTION and message.reply_to is not None:
        # Shown on its target at once, as the customer will see it; a failed send puts it back.
        reacted = reaction_set(
            target=message.reply_to, direction=Direction.OUTBOUND, emoji=message.text, reacted_at=now
        )
        events += [reacted] if reacted else []
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
        events=[*events, Event("conversation.updated", conversation_event(conversation))],
    )
    transaction.on_commit(lambda: plugin.schedule_delivery(tenant_id=tenant_id, outbox_id=outbox.pk))
    return message


def _attach_uploaded_file(message: Message, *, channel: Channel) -> None:
    """A media message sent by the id of a file uploaded here shows that file in the thread."""
    media = message.content.get(message.type) if message.type in MEDIA_TYPES else None
    media_id = media.get("id") if isinstance(media, dict) else None
    if not media_id:
        return
    uploaded = (
        UploadedMedia.objects.for_tenant(message.tenant_id).filter(channel=channel, provider_media_id=media_id).first()
    )
    if uploaded is None:
        return
    Attachment.objects.for_tenant(message.tenant_id).create(
        tenant_id=message.tenant_id,
        message=message,
        provider_media_id=media_id,
        mime_type=uploaded.mime_type,
        filename=uploaded.filename,
        size=uploaded.size,
        file=uploaded.file.name,
        state=AttachmentState.READY,
    )


def media_upload(*, channel: Channel, data: bytes, filename: str, mime_type: str, actor: Actor) -> UploadedMedia:
    """Keep an agent's file and upload it to the channel; send it afterwards by its media id."""
    plugin = plugin_for(channel.kind)
    uploaded = plugin.upload_media(channel=channel, data=data, mime_type=mime_type, filename=filename)
    # The name only in its (encrypted) column: a path is stored and listed in plaintext.
    extension = mimetypes.guess_extension(mime_type.split(";", maxsplit=1)[0].strip()) or ""
    path = media_save(f"uploads/{channel.tenant_id}/{uuid.uuid4().hex}{extension}", data, tenant_id=channel.tenant_id)
    return UploadedMedia.objects.for_tenant(channel.tenant_id).create(
        tenant_id=channel.tenant_id,
        channel=channel,
        provider_media_id=uploaded.provider_media_id,
        message_type=uploaded.message_type,
        file=path,
        mime_type=mime_type,
        filename=filename,
        size=len(data),
        uploaded_by=actor.user,
    )


@transaction.atomic
def conversation_read(*, conversation: Conversation, typing: bool = False) -> None:
    """The agent read the conversation: its unread count resets, and the customer sees blue ticks
    on their latest message (with "typing…" when the agent is writing)."""
    tenant_id = conversation.tenant_id
    sequence = lock_tenant_events(tenant_id)
    latest = (
        Message.objects.for_tenant(tenant_id)
        .filter(conversation=conversation, direction=Direction.INBOUND, provider_message_id__isnull=False)
        .order_by("-sent_at", "-id")
        .first()
    )
    if conversation.unread_count:
        conversation.unread_count = 0
        conversation.save(update_fields=["unread_count"])
        events_emit(sequence=sequence, events=[Event("conversation.updated", conversation_event(conversation))])
    if latest is not None:
        plugin = plugin_for(Channel.objects.for_tenant(tenant_id).get(pk=conversation.channel_id).kind)
        transaction.on_commit(
            lambda: plugin.schedule_read_receipt(tenant_id=tenant_id, message_id=latest.pk, typing=typing)
        )


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


@transaction.atomic
def message_retry(*, message: Message, actor: Actor, now: datetime) -> Message:
    """Send a failed message again, as a new message checked by the channel's rules like any other.

    The failed one stays in the thread, marked with the message that replaced it, so it is retried
    once. ServiceError `retry_not_possible` (409) when it did not fail, was retried already, or
    failed for a reason a second attempt cannot cure (`inbox.policy.retry_can_help`).
    """
    tenant_id = message.tenant_id
    lock_tenant_events(tenant_id)  # first, as every writer that emits events, so none waits on the other
    failed = Message.objects.for_tenant(tenant_id).select_for_update().get(pk=message.pk)
    refusal = _retry_refusal(failed)
    if refusal:
        raise ServiceError(refusal, code="retry_not_possible", http_status=409)
    conversation = Conversation.objects.for_tenant(tenant_id).get(pk=failed.conversation_id)
    payload = {key: value for key, value in failed.content.items() if not key.startswith("_")}
    retried = send_message(conversation=conversation, payload=payload, actor=actor, now=now)
    failed.content = {**failed.content, "_retried_as": retried.pk}
    failed.save(update_fields=["content"])
    # send_message numbered events since the lock above: read the counter again.
    events_emit(sequence=lock_tenant_events(tenant_id), events=[Event("message.status", status_event(failed))])
    return retried


def _retry_refusal(message: Message) -> str | None:
    if message.direction != Direction.OUTBOUND or message.status != MessageStatus.FAILED:
        return _("Only a message that failed can be sent again.")
    if message.content.get("_retried_as"):
        return _("This message was sent again already.")
    if not retry_can_help(message.error):
        return _("Sending this message again would fail for the same reason.")
    return None
