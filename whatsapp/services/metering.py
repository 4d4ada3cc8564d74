"""Hands billing what WhatsApp charges for: each business message delivered, with Meta's
`pricing`/`conversation` objects from its status webhook and the facts our rules need
(template category, recipient, whether the customer's window or a free entry point was open);
and the same facts before a send, for its expected cost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Max

from billing.policy import Category, Estimate, Recipient
from billing.selectors import estimate
from billing.services import MeteredMessage, events_record
from inbox.incoming import IncomingReceipt
from inbox.models import Channel, Contact, Conversation, Direction, Message
from inbox.policy import customer_service_window
from inbox.selectors import with_wa_id
from templates_mgmt.models import MessageTemplate
from whatsapp.models import WhatsAppNumber

# Meta charges a message once it is delivered; a message read at once may skip `delivered`.
BILLABLE_STATUSES = frozenset({"delivered", "read"})


def receipts_meter(*, tenant_id: int, receipts: Sequence[IncomingReceipt], now: datetime) -> int:
    """Record the billable events of a batch of receipts (duplicates are no-ops); returns how many are new."""
    chosen: dict[str, IncomingReceipt] = {}
    for receipt in sorted(receipts, key=lambda r: r.occurred_at):
        if receipt.status not in BILLABLE_STATUSES:
            continue
        earlier = chosen.get(receipt.provider_message_id)
        # Meta's pricing is on only one of delivered/read: keep the receipt that carries it.
        if earlier is None or (earlier.pricing is None and receipt.pricing is not None):
            chosen[receipt.provider_message_id] = receipt
    if not chosen:
        return 0
    messages = list(
        Message.objects.for_tenant(tenant_id)
        .filter(provider_message_id__in=chosen, direction=Direction.OUTBOUND)
        .select_related("conversation__contact")
    )
    numbers = {
        n.channel_id: n
        for n in WhatsAppNumber.objects.for_tenant(tenant_id).filter(
            channel_id__in={m.conversation.channel_id for m in messages}
        )
    }
    categories: dict[tuple[str, str, str], str] = {}
    metered = [
        _metered(message, chosen[message.provider_message_id], numbers[message.conversation.channel_id], categories)
        for message in messages
        if message.conversation.channel_id in numbers and message.provider_message_id
    ]
    return len(events_record(tenant_id=tenant_id, messages=metered, now=now))


def _metered(
    message: Message, receipt: IncomingReceipt, number: WhatsAppNumber, categories: dict[tuple[str, str, str], str]
) -> MeteredMessage:
    conversation = message.conversation
    last_inbound = (
        Message.objects.for_tenant(message.tenant_id)
        .filter(
            conversation__channel_id=conversation.channel_id,
            conversation__contact_id=conversation.contact_id,
            direction=Direction.INBOUND,
            sent_at__lte=message.sent_at,
        )
        .aggregate(last=Max("sent_at"))["last"]
    )
    entry_point_ends = conversation.entry_point_expires_at
    return MeteredMessage(
        provider_message_id=message.provider_message_id or "",
        occurred_at=receipt.occurred_at,
        waba_id=number.waba_id,
        phone_number_id=number.phone_number_id,
        display_phone_number=number.display_phone_number,
        recipient=conversation.contact.wa_id or receipt.recipient_id,
        template_category=_template_category(message, number, categories),
        inside_service_window=customer_service_window(last_inbound_at=last_inbound, now=message.sent_at).is_open,
        inside_entry_point=entry_point_ends is not None and message.sent_at < entry_point_ends,
        meta_pricing=receipt.pricing,
        meta_conversation=receipt.conversation,
    )


def _template_category(message: Message, number: WhatsAppNumber, known: dict[tuple[str, str, str], str]) -> str:
    """The category of the template a message sent ("" for any other message); `known` keeps the
    ones looked up already in this batch."""
    template = message.content.get("template") if message.type == "template" else None
    if not isinstance(template, dict):
        return ""
    key = (number.waba_id, str(template.get("name")), str((template.get("language") or {}).get("code")))
    if key not in known:
        category = (
            MessageTemplate.objects.for_tenant(message.tenant_id)
            .filter(waba_id=key[0], name=key[1], language=key[2])
            .values_list("category", flat=True)
            .first()
        )
        # A template we don't know (deleted here, made elsewhere) is priced as marketing, the dearest.
        known[key] = category or "MARKETING"
    return known[key]


def send_estimate(*, channel: Channel, category: str, phones: Sequence[str], now: datetime) -> Estimate:
    """The expected cost of sending a template of `category` (MARKETING, UTILITY, AUTHENTICATION)
    from `channel` to each of `phones` now: by country, free where the customer's window (utility,
    until Oct 2026) or a free entry point is open."""
    tenant_id = channel.tenant_id
    wa_ids = ["".join(ch for ch in phone if ch.isdigit()) for phone in phones]
    contacts = dict(
        Contact.objects.for_tenant(tenant_id)
        .filter(with_wa_id(*wa_ids, tenant_id=tenant_id))
        .values_list("wa_id", "pk")
    )
    windows = {
        row["contact_id"]: row
        for row in Conversation.objects.for_tenant(tenant_id)
        .filter(channel=channel, contact_id__in=contacts.values())
        .values("contact_id")
        .annotate(last_inbound=Max("last_inbound_at"), entry_point_ends=Max("entry_point_expires_at"))
        .order_by()
    }
    recipients = []
    for wa_id in wa_ids:
        facts = windows.get(contacts.get(wa_id, 0), {})
        entry_point_ends = facts.get("entry_point_ends")
        recipients.append(
            Recipient(
                phone=wa_id,
                inside_service_window=customer_service_window(
                    last_inbound_at=facts.get("last_inbound"), now=now
                ).is_open,
                inside_entry_point=entry_point_ends is not None and now < entry_point_ends,
            )
        )
    return estimate(tenant_id=tenant_id, category=Category(category.lower()), recipients=recipients, at=now)
