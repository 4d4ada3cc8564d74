"""A workspace where contact A (Alpha) left traces everywhere a contact can, next to contact B
(Bravo) in the same workspace and Gamma in another: built through the real webhook intake and
services, so the tests see the rows production makes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from django.utils import timezone

from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox.models import Contact, Conversation, EventSubscription, Message
from inbox.selectors import with_wa_id
from inbox.services.broadcasts import RecipientInput, broadcast_create
from inbox.services.consent import OptIn, consent_record, opt_in_request
from inbox.services.contacts import contact_update
from inbox.services.conversations import note_add
from tests.billing.factories import BillableEventFactory
from tests.inbox.factories import AttachmentFactory, ReactionFactory
from tests.templates_mgmt.factories import MessageTemplateFactory
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number
from whatsapp.models import DeadLetter, PlatformUpdate, WebhookEvent
from whatsapp.services.ingest import process_next_batch, webhook_store

ALPHA_WA_ID, ALPHA_NAME = "4915100000001", "Alpha Tester"
BRAVO_WA_ID, BRAVO_NAME = "4915100000002", "Bravo Keeper"
GAMMA_WA_ID, GAMMA_NAME = "4915100000003", "Gamma Other"
ALPHA_MARKERS = [ALPHA_WA_ID, ALPHA_NAME, "ALPHA-SECRET", "Alphonse"]
BRAVO_MARKERS = [BRAVO_WA_ID, BRAVO_NAME, "BRAVO-WORDS"]


@dataclass
class Scene:
    alpha: Contact
    bravo: Contact
    gamma: Contact
    alpha_texts: list[str]


def _deliver(*, messages: list[dict[str, Any]], statuses: Sequence[dict[str, Any]] = (), phone_number_id: str) -> None:
    body = payloads.envelope(messages=messages, statuses=list(statuses), phone_number_id=phone_number_id)
    for change in body["entry"][0]["changes"]:
        for item in change["value"].get("contacts", []):
            item["profile"]["name"] = {ALPHA_WA_ID: ALPHA_NAME, BRAVO_WA_ID: BRAVO_NAME}.get(item["wa_id"], GAMMA_NAME)
    webhook_store(body=json.dumps(body), phone_number_ids=[phone_number_id], waba_ids=[payloads.WABA_ID])
    process_next_batch()


def build(world: Any, other: Any) -> Scene:
    number = connect_number(world)
    connect_number(other, phone_number_id=payloads.SECOND_PHONE_NUMBER_ID)
    owner = Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)
    EventSubscription.objects.for_tenant(world.tenant).create(
        tenant=world.tenant,
        url="https://crm.example/hook",
        event_types=["message.created", "conversation.updated", "contact.opted_in", "contact.erased"],
        secret="whsec_test",
    )
    alpha_texts = ["ALPHA-SECRET one", "ALPHA-SECRET two"]
    _deliver(
        messages=[
            payloads.text_message(from_=ALPHA_WA_ID, body=alpha_texts[0]),
            payloads.text_message(from_=BRAVO_WA_ID, body="BRAVO-WORDS hello"),
            payloads.text_message(from_=ALPHA_WA_ID, body=alpha_texts[1]),
        ],
        phone_number_id=number.phone_number_id,
    )
    _deliver(
        messages=[payloads.text_message(from_=GAMMA_WA_ID, body="Gamma elsewhere")],
        phone_number_id=payloads.SECOND_PHONE_NUMBER_ID,
    )
    with tenant_scope(world.tenant):
        alpha = Contact.objects.get(with_wa_id(ALPHA_WA_ID, tenant_id=world.tenant.pk))
        bravo = Contact.objects.get(with_wa_id(BRAVO_WA_ID, tenant_id=world.tenant.pk))
        conversation = Conversation.objects.get(contact=alpha)
        first = Message.objects.filter(conversation=conversation).order_by("pk").first()
        assert first is not None
        # A receipt of it (as if it were ours), a reaction, a file, a note, attributes, consent.
        _deliver(
            messages=[],
            statuses=[payloads.status(wamid=first.provider_message_id or "", status="read", recipient_id=ALPHA_WA_ID)],
            phone_number_id=number.phone_number_id,
        )
        ReactionFactory.create(message=first, emoji="❤")
        photo = Message.objects.filter(conversation=conversation).order_by("pk").last()
        AttachmentFactory.create(message=photo, ready=True, filename="alpha-id.jpg", file__data=b"ALPHA-SECRET-FILE")
        note_add(conversation=conversation, body=f"@{world.agent.user.name} Alphonse called again", actor=owner,
                 now=timezone.now())  # fmt: skip
        contact_update(contact=alpha, now=timezone.now(), attributes={"customer_no": "ALPHA-SECRET-C1"})
        consent_record(tenant_id=world.tenant.pk, contact=alpha, kind="opt_in", scope="all", source="web_form",
                       proof="ALPHA-SECRET signed the form", actor=owner, occurred_at=timezone.now())  # fmt: skip
        opt_in_request(tenant_id=world.tenant.pk, contact=alpha, channel=number.channel, template_name="optin_confirm",
                       opt_in=OptIn(scope="marketing", source="web_form", proof="ALPHA-SECRET asked for offers"),
                       now=timezone.now())  # fmt: skip
        MessageTemplateFactory.create(number=number, name="order_update")
        broadcast_create(
            channel=number.channel,
            template_name="order_update",
            template_language="en_US",
            recipients=[
                RecipientInput(row=1, phone=f"+{ALPHA_WA_ID}", parameters=["Alphonse", "A-1"]),
                RecipientInput(row=2, phone=f"+{BRAVO_WA_ID}", parameters=["Bravo", "B-1"]),
            ],
            actor=owner,
            now=timezone.now(),
        )
    BillableEventFactory.create(tenant=world.tenant, recipient=ALPHA_WA_ID, provider_message_id="wamid.bill-a")
    BillableEventFactory.create(tenant=world.tenant, recipient=BRAVO_WA_ID, provider_message_id="wamid.bill-b")
    event = WebhookEvent.objects.order_by("pk")[0]
    DeadLetter.objects.create(event=event, position=99, tenant=world.tenant, field="messages",
                              item={"from": ALPHA_WA_ID, "type": "bogus"}, error="unreadable")  # fmt: skip
    PlatformUpdate.objects.for_tenant(world.tenant).create(
        tenant=world.tenant, event=event, position=98, waba_id=payloads.WABA_ID, field="user_preferences",
        value={"user_preferences": [{"wa_id": ALPHA_WA_ID, "value": "stop"}]},
        received_at=timezone.now() - timedelta(minutes=1),
    )  # fmt: skip
    with tenant_scope(other.tenant):
        gamma = Contact.objects.get(with_wa_id(GAMMA_WA_ID, tenant_id=other.tenant.pk))
    return Scene(alpha=alpha, bravo=bravo, gamma=gamma, alpha_texts=alpha_texts)


def body_of(response: Any) -> bytes:
    """A download's bytes: exports stream asynchronously (the ASGI server never holds a whole ZIP)."""

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)()
