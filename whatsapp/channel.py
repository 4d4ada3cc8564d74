"""WhatsApp as an inbox channel: checking a message against WhatsApp's rules, and queueing it.

Registered with the inbox's channel registry when the app starts (apps.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from celery import current_app
from django.utils.translation import gettext as _

from accounts.errors import ServiceError
from inbox.channels import PreparedSend
from inbox.models import ChannelKind, Conversation, Message
from whatsapp import payloads_out, selectors
from whatsapp.models import WhatsAppNumber
from whatsapp.policy import SendFacts, decide_send

DELIVERY_TASK = "whatsapp.tasks.outbox_deliver"
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
