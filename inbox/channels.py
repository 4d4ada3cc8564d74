"""The channel interface: what the inbox asks of a channel plug-in, and the registry of plug-ins.

The inbox never imports a channel. A plug-in (the `whatsapp` app) implements `ChannelPlugin`
and registers itself when Django starts; `inbox.services.outbound` looks it up by the
channel's kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from inbox.models import Channel, Conversation, Message


@dataclass(frozen=True)
class PreparedSend:
    """A message the channel accepted to send now: what to store and show."""

    type: str
    text: str
    # The provider request body, less the recipient: sent as-is by the channel's delivery.
    content: dict[str, Any]
    reply_to: Message | None = None
    media_filename: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadedFile:
    provider_media_id: str
    # The message type it is sent as: image, video, audio, document or sticker.
    message_type: str


class ChannelPlugin(Protocol):
    kind: str

    def prepare_send(self, *, conversation: Conversation, payload: dict[str, Any], now: datetime) -> PreparedSend:
        """Validate `payload` and decide whether it may be sent now; raise ServiceError if not."""
        ...

    def schedule_delivery(self, *, tenant_id: int, outbox_id: int) -> None:
        """Queue the delivery of an outbox entry (called after the commit that wrote it)."""
        ...

    def upload_media(self, *, channel: Channel, data: bytes, mime_type: str, filename: str) -> UploadedFile:
        """Check a file against the channel's rules and upload it. Raises ServiceError when refused."""
        ...

    def schedule_read_receipt(self, *, tenant_id: int, message_id: int, typing: bool) -> None:
        """Queue telling the customer their message was read (and, `typing`, that we are typing)."""
        ...


_plugins: dict[str, ChannelPlugin] = {}


def register(plugin: ChannelPlugin) -> None:
    _plugins[plugin.kind] = plugin


def plugin_for(kind: str) -> ChannelPlugin:
    try:
        return _plugins[kind]
    except KeyError:
        raise LookupError(f"no channel plug-in registered for {kind!r}") from None
