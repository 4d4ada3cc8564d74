"""Double opt-in through the simulator: a sign-up on the opt-in page is only a request, the
confirmation template goes out although the customer gave no consent yet, and the customer's "yes"
(the quick-reply button tapped on the simulator's phone, or the word typed) makes it consent with
the form's exact text, the request's time and address and the confirming message. No reply, or
another one, leaves it pending, and pending is no consent."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.test import Client

from accounts.errors import ServiceError
from accounts.models import ApiKeyScope, Role
from accounts.services import Actor
from inbox.models import ConsentEvent, ConsentSettings, Contact, Message, OptInRequest, OutboxEntry
from inbox.selectors import consent_state_of
from inbox.services.consent import consent_settings_update
from inbox.services.outbound import conversation_for_contact, send_message
from tests.accounts.factories import api_key_for
from tests.accounts.test_api import assert_envelope, bearer
from tests.inbox.factories import ChannelFactory, ContactFactory
from tests.templates_mgmt.factories import MessageTemplateFactory
from tests.whatsapp.conftest import connect_number, post_webhook
from whatsapp.models import OptInPage, WhatsAppNumber
from whatsapp.services import ingest, sender
from whatsapp.services.optin import opt_in_page_get_or_create, opt_in_page_update

pytestmark = pytest.mark.django_db

CUSTOMER = "4915123456789"
ASK = "Please confirm: do you want news from Acme Coffee on WhatsApp?"
COMPONENTS = [
    {"type": "BODY", "text": ASK},
    {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Yes"}, {"type": "QUICK_REPLY", "text": "No"}]},
]


@pytest.fixture
def number(world, simulator, webhook_receiver) -> WhatsAppNumber:
    simulator.config.webhook_url = webhook_receiver.url
    simulator.config.app_secret = settings.WHATSAPP_APP_SECRET
    return connect_number(world, graph_api_base_url=simulator.url)


@pytest.fixture
def page(world, simulator, number) -> OptInPage:
    template = MessageTemplateFactory.create(number=number, name="opt_in_confirm", components=COMPONENTS)
    httpx.post(
        f"{simulator.url}/_sim/templates",
        json={"name": "opt_in_confirm", "language": "en_US", "category": "UTILITY", "waba_id": number.waba_id,
              "components": COMPONENTS},
    ).raise_for_status()  # fmt: skip
    admin = Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)
    page = opt_in_page_get_or_create(number=number)
    opt_in_page_update(
        page=page, actor=admin, consent_text=page.consent_text, is_enabled=True, confirmation_template=template
    )
    consent_settings_update(tenant=world.tenant, actor=admin, keywords=["STOP"], confirmation="", double_opt_in=True)
    return page


def sign_up(page: OptInPage) -> Any:
    return Client(REMOTE_ADDR="203.0.113.7").post(f"/join/{page.key}/", {"phone": "+49 151 23456789", "consent": "1"})


def confirmation_sent(world, simulator) -> str:
    """Deliver the queued confirmation template through the simulator; its wamid."""
    entry = OutboxEntry.objects.for_tenant(world.tenant).get()
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "sent"
    [sent] = simulator.state.sent_messages(phone_number_id="106540352242922", wa_id=CUSTOMER)
    assert sent.request["template"]["name"] == "opt_in_confirm"
    return str(Message.objects.for_tenant(world.tenant).get(direction="out").provider_message_id)


def customer_answers(simulator, webhook_receiver, message: dict[str, Any]) -> str:
    """The customer's phone (the simulator) sends `message`; its signed webhook reaches the product."""
    answer = httpx.post(
        f"{simulator.url}/_sim/inbound",
        json={"phone_number_id": "106540352242922", "from": CUSTOMER, "message": message},
    ).json()
    # The receiver also hears the status webhooks of the confirmation sent before: take this message's.
    [delivered] = [r for r in webhook_receiver.received() if answer["id"] in message_ids(r.body)]
    assert post_webhook(delivered.body).status_code == 200
    ingest.drain()
    return str(answer["id"])


def message_ids(body: bytes) -> list[str]:
    changes = [change["value"] for entry in json.loads(body)["entry"] for change in entry["changes"]]
    return [message["id"] for value in changes for message in value.get("messages", [])]


def consent_of(world) -> Any:
    return consent_state_of(tenant=world.tenant, contact=Contact.objects.for_tenant(world.tenant).get())


def test_a_sign_up_is_only_a_request_until_the_customer_taps_yes(world, simulator, webhook_receiver, page):
    response = sign_up(page)

    assert "Answer it with “Yes” to confirm" in response.content.decode()
    request = OptInRequest.objects.for_tenant(world.tenant).get()
    assert (request.confirmed_at, request.ip, request.proof) == (None, "203.0.113.7", page.consent_text)
    assert not ConsentEvent.objects.for_tenant(world.tenant).exists()
    assert not consent_of(world).opted_in
    asked = confirmation_sent(world, simulator)
    assert OptInRequest.objects.for_tenant(world.tenant).get().confirmation_message.provider_message_id == asked

    tapped = customer_answers(
        simulator,
        webhook_receiver,
        {"type": "button", "button": {"payload": "Yes", "text": "Yes"}, "context": {"id": asked}},
    )

    event = ConsentEvent.objects.for_tenant(world.tenant).get()
    assert (event.kind, event.source, event.ip) == ("opt_in", "web_form", "203.0.113.7")
    assert event.proof.startswith(page.consent_text)
    assert request.requested_at.isoformat() in event.proof
    assert f"confirmed on WhatsApp with “Yes” (message {tapped})" in event.proof
    request.refresh_from_db()
    assert request.confirming_message.provider_message_id == tapped
    assert request.consent_event == event
    assert consent_of(world).opted_in


def test_a_typed_yes_in_another_language_confirms_too(world, simulator, webhook_receiver, page):
    sign_up(page)
    confirmation_sent(world, simulator)

    customer_answers(simulator, webhook_receiver, {"type": "text", "text": {"body": "Ja!"}})

    assert consent_of(world).opted_in
    assert OptInRequest.objects.for_tenant(world.tenant).get().confirmed_at is not None


@pytest.mark.parametrize(
    "message",
    [
        {"type": "button", "button": {"payload": "No", "text": "No"}},
        {"type": "text", "text": {"body": "Yes, but what is this about?"}},
        {"type": "text", "text": {"body": "STOP"}},
    ],
)
def test_any_other_answer_leaves_the_request_pending_and_no_consent(world, simulator, webhook_receiver, page, message):
    sign_up(page)
    confirmation_sent(world, simulator)

    customer_answers(simulator, webhook_receiver, message)

    assert OptInRequest.objects.for_tenant(world.tenant).get().confirmed_at is None
    assert not consent_of(world).opted_in
    assert not ConsentEvent.objects.for_tenant(world.tenant).filter(kind="opt_in").exists()


def test_without_a_reply_the_request_allows_no_other_template(world, simulator, page, number):
    sign_up(page)
    confirmation_sent(world, simulator)
    MessageTemplateFactory.create(number=number, name="weekly_offer", category="MARKETING",
                                  components=[{"type": "BODY", "text": "This week: 20% off."}])  # fmt: skip
    contact = Contact.objects.for_tenant(world.tenant).get()
    conversation = conversation_for_contact(channel=number.channel, contact=contact, now=page.updated_at)
    payload = {"type": "template", "template": {"name": "weekly_offer", "language": {"code": "en_US"}}}

    with pytest.raises(ServiceError) as refused:
        send_message(conversation=conversation, payload=payload, actor=Actor(tenant_id=world.tenant.pk, role="agent"),
                     now=page.updated_at)  # fmt: skip

    assert refused.value.code == "no_consent"


def test_signing_up_again_renews_the_pending_request(world, simulator, page):
    sign_up(page)
    first = OptInRequest.objects.for_tenant(world.tenant).get()
    sign_up(page)

    renewed = OptInRequest.objects.for_tenant(world.tenant).get()
    assert renewed.pk == first.pk
    assert renewed.requested_at > first.requested_at


def test_without_double_opt_in_the_sign_up_is_consent_at_once(world, simulator, page):
    admin = Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)
    consent_settings_update(tenant=world.tenant, actor=admin, keywords=["STOP"], confirmation="", double_opt_in=False)

    response = sign_up(page)

    assert "may now send you messages" in response.content.decode()
    assert consent_of(world).opted_in
    assert not OptInRequest.objects.for_tenant(world.tenant).exists()


def test_the_consent_page_switches_double_opt_in(world):
    client = world.client_for(world.admin)

    response = client.post("/t/acme/settings/consent/", {"keywords": "STOP", "confirmation": "", "double_opt_in": "on"})

    assert response.status_code == 302
    assert ConsentSettings.objects.for_tenant(world.tenant).get().double_opt_in
    assert client.get("/t/acme/settings/consent/").context["form"].initial["double_opt_in"] is True


# The opt-in API -----------------------------------------------------------------------------------


def api_opt_in(world, contact: Contact, **body: Any) -> Any:
    _key, secret = api_key_for(world.tenant, scope=ApiKeyScope.WRITE)
    payload = {"scope": "all", "source": "checkout", "proof": "Ticked “WhatsApp updates” at checkout #1042", **body}
    return bearer(secret).post(f"/api/v1/contacts/{contact.pk}/opt-in/", payload, format="json")


def confirm_with(number: WhatsAppNumber, name: str = "opt_in_confirm") -> dict[str, Any]:
    return {"channel_id": number.channel_id, "template": {"name": name, "language": {"code": "en_US"}}}


@pytest.fixture
def shopper(world) -> Contact:
    return ContactFactory.create(tenant=world.tenant, wa_id=CUSTOMER, phone=f"+{CUSTOMER}")


@pytest.mark.usefixtures("page")
def test_the_api_asks_for_confirmation_and_the_tap_confirms(world, simulator, webhook_receiver, number, shopper):
    response = api_opt_in(world, shopper, ip="198.51.100.20", confirm_with=confirm_with(number))

    assert response.status_code == 202, response.content
    assert (response.json()["status"], response.json()["ip"]) == ("pending", "198.51.100.20")
    assert not consent_of(world).opted_in
    asked = confirmation_sent(world, simulator)

    customer_answers(
        simulator,
        webhook_receiver,
        {"type": "button", "button": {"payload": "Yes", "text": "Yes"}, "context": {"id": asked}},
    )

    event = ConsentEvent.objects.for_tenant(world.tenant).get()
    assert (event.source, event.ip) == ("checkout", "198.51.100.20")
    assert event.proof.startswith("Ticked “WhatsApp updates” at checkout #1042")
    assert consent_of(world).opted_in


def test_with_double_opt_in_on_a_checkout_opt_in_needs_a_confirmation(world, page, shopper):
    response = api_opt_in(world, shopper)

    assert_envelope(response, 400, "confirmation_required")
    assert not ConsentEvent.objects.for_tenant(world.tenant).exists()


def test_a_confirmation_that_can_t_be_sent_keeps_nothing(world, page, number, shopper):
    response = api_opt_in(world, shopper, confirm_with=confirm_with(number, name="no_such_template"))

    assert_envelope(response, 409, "template_not_approved")  # as any send refused by WhatsApp's rules
    assert not OptInRequest.objects.for_tenant(world.tenant).exists()
    assert not Message.objects.for_tenant(world.tenant).exists()


def test_another_tenant_s_channel_is_not_found(world, other_tenant, page, shopper):
    foreign = ChannelFactory.create(tenant=other_tenant.tenant)
    body = {"channel_id": foreign.pk, "template": {"name": "opt_in_confirm", "language": {"code": "en_US"}}}

    assert_envelope(api_opt_in(world, shopper, confirm_with=body), 404, "not_found")
    assert not OptInRequest.objects.for_tenant(world.tenant).exists()


def test_the_reach_page_says_double_opt_in_is_on_and_how_many_wait(world, page, number):
    sign_up(page)
    text = world.client_for(world.admin).get(f"/t/acme/settings/numbers/{number.pk}/reach/").content.decode()
    assert "Double opt-in is on" in text
    assert "1 sign-up waits for its confirmation." in text


def test_agents_see_in_the_contact_panel_that_an_opt_in_waits(world, simulator, webhook_receiver, page):
    sign_up(page)
    asked = confirmation_sent(world, simulator)
    conversation = Message.objects.for_tenant(world.tenant).get(provider_message_id=asked).conversation
    panel_url = f"/t/acme/inbox/{conversation.pk}/panel/"
    agent = world.client_for(world.agent)
    assert "waiting for their “Yes” on WhatsApp" in agent.get(panel_url).content.decode()

    customer_answers(simulator, webhook_receiver, {"type": "text", "text": {"body": "yes"}})

    text = agent.get(panel_url).content.decode()
    assert "waiting for their “Yes”" not in text
    assert "Opted in" in text
