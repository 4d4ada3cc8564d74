"""What live events say about messages and conversations: plain JSON, small, the same everywhere."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.models import Attachment, Conversation, Message


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def message_event(message: Message) -> dict[str, Any]:
    return {
        "message": {
            "id": message.pk,
            "conversation_id": message.conversation_id,
            "direction": message.direction,
            "type": message.type,
            "text": message.text,
            "status": message.status,
            "provider_message_id": message.provider_message_id,
            "reply_to": message.reply_to_id,
            "sent_at": _time(message.sent_at),
        }
    }


def status_event(message: Message) -> dict[str, Any]:
    return {
        "message_id": message.pk,
        "conversation_id": message.conversation_id,
        "status": message.status,
        "error": message.error,
        "status_updated_at": _time(message.status_updated_at),
    }


def conversation_event(conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation": {
            "id": conversation.pk,
            "channel_id": conversation.channel_id,
            "contact_id": conversation.contact_id,
            "status": conversation.status,
            "assignee_id": conversation.assignee_id,
            "unread_count": conversation.unread_count,
            "last_message_at": _time(conversation.last_message_at),
            "last_inbound_at": _time(conversation.last_inbound_at),
            "entry_point_expires_at": _time(conversation.entry_point_expires_at),
        }
    }


def attachment_event(attachment: Attachment) -> dict[str, Any]:
    return {
        "message_id": attachment.message_id,
        "attachment": {
            "state": attachment.state,
            "mime_type": attachment.mime_type,
            "filename": attachment.filename,
            "size": attachment.size,
            "error": attachment.error,
        },
    }
