"""The channel interface: what the inbox asks of a channel plug-in, and the registry of plug-ins.

The inbox never imports a channel. A plug-in (the `whatsapp` app) implements `ChannelPlugin`
and registers itself when Django starts; `inbox.services.outbound` looks it up by the
channel's kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from accounts.errors import ServiceError
from inbox.models import Channel, Contact, Conversation, Message


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


@dataclass(frozen=True)
class TemplateSnapshot:
    """An approved template as a broadcast took it: its messages are built from this, not from
    whatever the template becomes later."""

    name: str
    language: str
    category: str
    version: str
    parameter_format: str
    components: list[dict[str, Any]]
    # What a send fills in, as a recipient names it (a CSV column), in the order of a positional list.
    parameters: tuple[str, ...]


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

    def check_sends(
        self, *, channel: Channel, sends: Sequence[tuple[Contact, dict[str, Any]]], now: datetime
    ) -> list[ServiceError | None]:
        """Whether each message may go to its contact on the channel now, sending nothing: for each,
        None, or the ServiceError `prepare_send` would raise. For many sends at once (broadcasts)."""
        ...

    def template_snapshot(self, *, channel: Channel, name: str, language: str) -> TemplateSnapshot:
        """The channel's template of that name and language, as it is now. ServiceError (400)
        `template_not_found` or `template_not_approved` when it can't be sent."""
        ...

    def template_message(
        self, *, template: TemplateSnapshot, parameters: Mapping[str, str] | Sequence[str]
    ) -> dict[str, Any]:
        """The message JSON sending `template` filled with `parameters` (by name, or in the order of
        `template.parameters`). ServiceError `template_params_invalid` when they name parameters the
        template does not have; whether they fit it is `prepare_send`'s to decide."""
        ...


_plugins: dict[str, ChannelPlugin] = {}


def register(plugin: ChannelPlugin) -> None:
    _plugins[plugin.kind] = plugin


def plugin_for(kind: str) -> ChannelPlugin:
    try:
        return _plugins[kind]
    except KeyError:
        raise LookupError(f"no channel plug-in registered for {kind!r}") from None
