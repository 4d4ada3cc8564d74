"""What a channel plug-in hands the inbox: messages and delivery receipts as plain values.

No database here: a plug-in's parser builds these from its provider's payloads, and
`inbox.services.inbound.inbound_store` stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class IncomingMedia:
    provider_media_id: str
    mime_type: str
    sha256: str
    filename: str = ""


@dataclass(frozen=True)
class IncomingMessage:
    wa_id: str
    user_id: str
    profile_name: str
    provider_message_id: str
    type: str
    text: str
    content: dict[str, Any]
    raw: dict[str, Any]
    sent_at: datetime
    reply_to_provider_id: str = ""
    is_forwarded: bool = False
    is_frequently_forwarded: bool = False
    referral: dict[str, Any] | None = None
    media: IncomingMedia | None = None
    # The channel it arrived on; the plug-in sets it once it has routed the message.
    channel_id: int = 0


@dataclass(frozen=True)
class IncomingReceipt:
    provider_message_id: str
    status: str
    occurred_at: datetime
    recipient_id: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    pricing: dict[str, Any] | None = None
    conversation: dict[str, Any] | None = None
    biz_opaque_callback_data: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
