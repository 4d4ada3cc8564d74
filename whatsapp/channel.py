"""WhatsApp as an inbox channel: checking a message against WhatsApp's rules, and queueing it.

Registered with the inbox's channel registry when the app starts (apps.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from celery import current_app
from django.utils.translation import gettext as _

from accounts.errors import ServiceError
from accounts.tenancy import tenant_scope
from inbox.channels import PreparedSend, UploadedFile
from inbox.models import Channel, ChannelKind, Conversation, Message
from whatsapp import payloads_out, selectors
from whatsapp.client import GraphAPIError
from whatsapp.media_rules import media_kind, media_problem
from whatsapp.models import WhatsAppNumber
from whatsapp.policy import SendFacts, decide_send

logger = logging.getLogger(__name__)

DELIVERY_TASK = "whatsapp.tasks.outbox_deliver"
READ_RECEIPT_TASK = "whatsapp.tasks.read_receipt"
# Agents' and API clients' messages have their own queue, so a backlog of webhooks never delays them.
OUTBOUND_QUEUE = "outbound"


class WhatsAppChannel:
    kind: str = ChannelKind.WHATSAPP.value

    def prepare_send(self, *, conversation: Conversation, payload: dict[str, Any], now: datetime) -> PreparedSend:
        message = payloads_out.validate(payload)
        number = WhatsAppNumber.objects.for_tenant(conversation.tenant_id).get(channel_id=conversation.channel_id)
        reply_to = self._reply_target(conversation, message)
        decision = decide_send(send_facts(conversation=conversation, number=number, message=message, now=now))
        if not decision.allowed:
            assert decision.reason is not None
            raise ServiceError(decision.message, code=decision.reason.value, http_status=409)
        return PreparedSend(
            type=message["type"],
            text=payloads_out.display_text(message, template=selectors.template_for(number=number, message=message)),
            content=message,
            reply_to=reply_to,
        )

    def schedule_delivery(self, *, tenant_id: int, outbox_id: int) -> None:
        current_app.send_task(
            DELIVERY_TASK, kwargs={"tenant_id": tenant_id, "outbox_id": outbox_id}, queue=OUTBOUND_QUEUE
        )

    def upload_media(self, *, channel: Channel, data: bytes, mime_type: str, filename: str) -> UploadedFile:
        problem = media_problem(mime_type=mime_type, data=data)
        if problem:
            raise ServiceError(problem, code="invalid_media")
        number = WhatsAppNumber.objects.for_tenant(channel.tenant_id).get(channel=channel)
        try:
            with number.graph_client() as client:
                media_id = client.upload_media(
                    number.phone_number_id, data=data, mime_type=mime_type, filename=filename
                )
        except GraphAPIError as error:
            raise ServiceError(error.human_message, code="upload_failed", http_status=502) from error
        return UploadedFile(provider_media_id=media_id, message_type=media_kind(mime_type))

    def schedule_read_receipt(self, *, tenant_id: int, message_id: int, typing: bool) -> None:
        current_app.send_task(
            READ_RECEIPT_TASK,
            kwargs={"tenant_id": tenant_id, "message_id": message_id, "typing": typing},
            queue=OUTBOUND_QUEUE,
        )

    def _reply_target(self, conversation: Conversation, message: Mapping[str, Any]) -> Message | None:
        target_id = payloads_out.referenced_message_id(message)
        if not target_id:
            return None
        target = Message.objects.for_tenant(conversation.tenant_id).filter(provider_message_id=target_id).first()
        if target is None or target.conversation.contact_id != conversation.contact_id:
            raise ServiceError(
                _("The message %(id)s is not one of this customer's messages.") % {"id": target_id},
                code="invalid_message",
            )
        return target


def read_receipt(*, tenant_id: int, message_id: int, typing: bool) -> None:
    """Mark the customer's message read at WhatsApp (blue ticks), with a typing indicator if asked.

    Best effort: a message older than 30 days, or a failure, only means no blue ticks.
    """
    with tenant_scope(tenant_id):
        message = Message.objects.select_related("conversation").filter(pk=message_id).first()
        if message is None or not message.provider_message_id:
            return
        number = WhatsAppNumber.objects.get(channel_id=message.conversation.channel_id)
        try:
            with number.graph_client() as client:
                client.mark_read(number.phone_number_id, message.provider_message_id, typing=typing)
        except GraphAPIError as error:
            logger.info("read receipt for message %s not sent: %s", message_id, error)


def send_facts(
    *, conversation: Conversation, number: WhatsAppNumber, message: Mapping[str, Any], now: datetime
) -> SendFacts:
    """What WhatsApp's rules need to know about sending `message` in `conversation` now."""
    is_template = message["type"] == "template"
    template = selectors.template_facts(number=number, message=message) if is_template else None
    return SendFacts(
        now=now,
        is_template=is_template,
        last_inbound_at=selectors.last_inbound_at(conversation=conversation),
        consent=selectors.consent_state(conversation=conversation),
        number_active=number.is_active,
        template=template,
        template_name=str(message.get("template", {}).get("name", "")) if is_template else "",
    )
