"""WhatsApp as an inbox channel: checking a message against WhatsApp's rules, and queueing it.

Registered with the inbox's channel registry when the app starts (apps.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from celery import current_app
from django.utils.translation import gettext as _

from accounts.errors import ServiceError
from accounts.tenancy import tenant_scope
from billing.selectors import budget_status
from inbox.channels import PreparedSend, TemplateSnapshot, UploadedFile
from inbox.models import Channel, ChannelKind, Contact, Conversation, Message
from inbox.policy import ConsentState
from inbox.selectors import consent_states
from templates_mgmt.models import MessageTemplate, TemplateStatus
from whatsapp import payloads_out, selectors, template_fill
from whatsapp.client import GraphAPIError
from whatsapp.media_rules import content_problem, media_kind, media_problem
from whatsapp.models import WhatsAppNumber
from whatsapp.policy import SendDecision, SendFacts, TemplateFacts, decide_send

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
        _raise_refusal(decide_send(send_facts(conversation=conversation, number=number, message=message, now=now)))
        template = selectors.template_of(number=number, message=message)
        return PreparedSend(
            type=message["type"],
            text=payloads_out.display_text(message, template={"components": template.components} if template else None),
            # A template message keeps the version it was sent with (edits change the template later).
            content={**message, "_template_version": template.version} if template else message,
            reply_to=reply_to,
        )

    def schedule_delivery(self, *, tenant_id: int, outbox_id: int) -> None:
        # The entry is committed: without a broker, the outbox sweep sends it once Redis is back.
        _queue(DELIVERY_TASK, {"tenant_id": tenant_id, "outbox_id": outbox_id})

    def upload_media(self, *, channel: Channel, data: bytes, mime_type: str, filename: str) -> UploadedFile:
        problem = media_problem(mime_type=mime_type, data=data) or content_problem(mime_type=mime_type, data=data)
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
        # Without a broker the customer misses these blue ticks; the agent's read is kept.
        _queue(READ_RECEIPT_TASK, {"tenant_id": tenant_id, "message_id": message_id, "typing": typing})

    def check_sends(
        self, *, channel: Channel, sends: Sequence[tuple[Contact, dict[str, Any]]], now: datetime
    ) -> list[ServiceError | None]:
        # prepare_send's rules with the facts of every contact read at once: a few queries, not a few per send.
        number = WhatsAppNumber.objects.for_tenant(channel.tenant_id).get(channel=channel)
        contact_ids = [contact.pk for contact, _payload in sends]
        last_inbound = selectors.last_inbound_by_contact(
            tenant_id=channel.tenant_id, channel_id=channel.pk, contact_ids=contact_ids
        )
        consents = consent_states(tenant=channel.tenant_id, contact_ids=contact_ids)
        within_budget = not budget_status(tenant_id=channel.tenant_id, now=now).is_exceeded
        templates: dict[tuple[str, str], MessageTemplate | None] = {}
        results: list[ServiceError | None] = []
        for contact, payload in sends:
            try:
                message = payloads_out.validate(payload)
                if payloads_out.referenced_message_id(message):
                    raise ServiceError(_("A message sent to many can't quote or react to one."), code="invalid_message")
                template = None
                if message["type"] == "template":
                    key = (str(message["template"]["name"]), str(message["template"]["language"]["code"]))
                    if key not in templates:
                        templates[key] = selectors.template_of(number=number, message=message)
                    template = selectors.template_facts_of(templates[key], message=message)
                facts = _facts(
                    number=number,
                    message=message,
                    now=now,
                    last_inbound_at=last_inbound.get(contact.pk),
                    consent=consents[contact.pk],
                    template=template,
                    within_budget=within_budget,
                )
                _raise_refusal(decide_send(facts))
            except ServiceError as error:
                results.append(error)
            else:
                results.append(None)
        return results

    def template_snapshot(self, *, channel: Channel, name: str, language: str) -> TemplateSnapshot:
        number = WhatsAppNumber.objects.for_tenant(channel.tenant_id).get(channel=channel)
        template_message = {"type": "template", "template": {"name": name, "language": {"code": language}}}
        template = selectors.template_of(number=number, message=template_message)
        if template is None:
            raise ServiceError(
                _("There is no template “%(name)s” in %(language)s for %(number)s.")
                % {"name": name, "language": language, "number": number.display_phone_number},
                code="template_not_found",
            )
        if template.status != TemplateStatus.APPROVED:
            raise ServiceError(
                _("The template “%(name)s” (%(language)s) is not approved for sending (it is %(status)s).")
                % {"name": name, "language": language, "status": template.get_status_display().lower()},
                code="template_not_approved",
            )
        return TemplateSnapshot(
            name=template.name,
            language=template.language,
            category=template.category,
            version=str(template.version),
            parameter_format=template.parameter_format,
            components=list(template.components),
            parameters=template_fill.parameter_keys(template.components, parameter_format=template.parameter_format),
        )

    def template_message(
        self, *, template: TemplateSnapshot, parameters: Mapping[str, str] | Sequence[str]
    ) -> dict[str, Any]:
        return template_fill.template_message(
            name=template.name,
            language=template.language,
            components=template.components,
            parameter_format=template.parameter_format,
            parameters=parameters,
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
    return _facts(
        number=number,
        message=message,
        now=now,
        last_inbound_at=selectors.last_inbound_at(conversation=conversation),
        consent=selectors.consent_state(conversation=conversation),
        template=selectors.template_facts(number=number, message=message),
        within_budget=message["type"] != "template"
        or not budget_status(tenant_id=conversation.tenant_id, now=now).is_exceeded,
        confirms_opt_in_request=message["type"] == "template"
        and selectors.opt_in_request_awaits(conversation=conversation, template_name=message["template"]["name"]),
    )


def _facts(
    *,
    number: WhatsAppNumber,
    message: Mapping[str, Any],
    now: datetime,
    last_inbound_at: datetime | None,
    consent: ConsentState,
    template: TemplateFacts | None,
    within_budget: bool,
    confirms_opt_in_request: bool = False,
) -> SendFacts:
    is_template = message["type"] == "template"
    return SendFacts(
        now=now,
        is_template=is_template,
        last_inbound_at=last_inbound_at,
        consent=consent,
        number_active=number.is_active,
        template=template,
        template_name=str(message.get("template", {}).get("name", "")) if is_template else "",
        within_budget=within_budget,
        confirms_opt_in_request=confirms_opt_in_request,
    )


def _queue(task: str, kwargs: dict[str, Any]) -> None:
    """Queue a task on the outbound queue after the write committed; a broker that is down
    (Redis stopped) is logged, never turned into an error for the committed write."""
    try:
        current_app.send_task(task, kwargs=kwargs, queue=OUTBOUND_QUEUE)
    except Exception:
        logger.warning("could not queue %s %s", task, kwargs, exc_info=True)


def _raise_refusal(decision: SendDecision) -> None:
    if not decision.allowed:
        assert decision.reason is not None
        raise ServiceError(decision.message, code=decision.reason.value, http_status=409)
