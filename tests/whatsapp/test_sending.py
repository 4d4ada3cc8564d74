"""Sending: the rules decide at once through the API, and the message is queued with its outbox entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tenancy import tenant_scope
from inbox.models import Contact, Conversation, Message, OutboxEntry, TenantEvent
from inbox.selectors import with_wa_id
from inbox.services.consent import consent_record
from templates_mgmt.models import MessageTemplate
from tests.accounts.factories import api_key_for
from tests.inbox.factories import ContactFactory, ConversationFactory, MessageFactory
from tests.whatsapp.conftest import connect_number

pytestmark = pytest.mark.django_db

TEXT = {"type": "text", "text": {"body": "Your order ships today."}}
ORDER_UPDATE = {
    "type": "template",
    "template": {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "860198"}]}],
    },
}


@pytest.fixture
def client(world):
    _key, secret = api_key_for(world.tenant)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


@pytest.fixture
def conversation(world, number):
    channel = number.channel
    return ConversationFactory.create(
        channel=channel, contact__wa_id="4915112345678", last_inbound_at=timezone.now() - timedelta(hours=2)
    )


def template(world, number, **overrides):
    fields = {
        "tenant": world.tenant,
        "waba_id": number.waba_id,
        "name": "order_update",
        "language": "en_US",
        "category": "UTILITY",
        "status": "APPROVED",
        "components": [{"type": "BODY", "text": "Your order {{1}} ships today."}],
        **overrides,
    }
    return MessageTemplate.objects.unscoped().create(**fields)


def send(client, conversation, payload):
    return client.post(f"/api/v1/conversations/{conversation.pk}/messages/", payload, format="json")


def outbox_count(world) -> int:
    with tenant_scope(world.tenant):
        return OutboxEntry.objects.count()


def test_a_reply_in_the_window_is_queued_with_its_outbox_entry(world, client, conversation):
    response = send(client, conversation, TEXT)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["direction"], body["type"], body["status"], body["text"]) == (
        "out",
        "text",
        "queued",
        TEXT["text"]["body"],
    )
    with tenant_scope(world.tenant):
        message = Message.objects.get(pk=body["id"])
        assert OutboxEntry.objects.get().message == message
        assert list(TenantEvent.objects.order_by("seq").values_list("type", flat=True))[-2:] == [
            "message.created",
            "conversation.updated",
        ]
    assert message.content == TEXT
    assert message.author_label.startswith("API key")


@pytest.mark.parametrize(
    "case",
    [
        ("closed", TEXT, 409, "window_closed"),
        ("stranger", TEXT, 409, "template_required"),
        ("open", ORDER_UPDATE, 409, "template_not_approved"),
        ("open", {"type": "text", "text": {"body": ""}}, 400, "invalid_message"),
        ("open", {"type": "text", "text": {"body": "x" * 4097}}, 400, "invalid_message"),
        ("open", {"type": "image", "image": {"link": "ftp://x/a.jpg"}}, 400, "invalid_message"),
        ("open", {"type": "sticker", "sticker": {"id": "1", "caption": "no"}}, 400, "invalid_message"),
        ("open", {"type": "fax"}, 400, "invalid_message"),
        (
            "open",
            {"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}, "context": {"message_id": "x"}},
            400,
            "invalid_message",
        ),
        (
            "open",
            {"type": "text", "text": {"body": "hi"}, "context": {"message_id": "wamid.NOT_OURS"}},
            400,
            "invalid_message",
        ),
        ("disabled", TEXT, 409, "number_inactive"),
    ],
)
def test_refusals_are_immediate_clear_and_store_nothing(world, client, conversation, number, case):
    setup, payload, status, code = case
    if setup == "closed":
        Conversation.objects.unscoped().filter(pk=conversation.pk).update(
            last_inbound_at=timezone.now() - timedelta(hours=25)
        )
    elif setup == "stranger":
        Conversation.objects.unscoped().filter(pk=conversation.pk).update(last_inbound_at=None)
    elif setup == "disabled":
        number.is_active = False
        number.save()
    response = send(client, conversation, payload)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    with tenant_scope(world.tenant):
        assert not Message.objects.filter(direction="out").exists()
    assert outbox_count(world) == 0


def test_an_approved_template_goes_out_of_the_window_and_shows_its_text(world, client, conversation, number):
    template(world, number)
    Conversation.objects.unscoped().filter(pk=conversation.pk).update(
        last_inbound_at=timezone.now() - timedelta(days=3)
    )
    response = send(client, conversation, ORDER_UPDATE)
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "Your order 860198 ships today."
    assert response.json()["template"]["name"] == "order_update"


def test_template_parameters_that_do_not_fit_are_refused(world, client, conversation, number):
    template(world, number, components=[{"type": "BODY", "text": "Order {{1}} for {{2}}"}])
    response = send(client, conversation, ORDER_UPDATE)
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "template_params_invalid",
        "message": "The body needs 2 parameter(s); 1 given.",
    }


def test_marketing_templates_never_reach_customers_who_opted_out_of_marketing(world, client, conversation, number):
    template(world, number, category="MARKETING")
    consent_record(
        tenant_id=world.tenant.pk, contact=conversation.contact, kind="opt_out", scope="marketing",
        source="api", proof="asked by phone", actor=None, occurred_at=timezone.now(),
    )  # fmt: skip
    response = send(client, conversation, ORDER_UPDATE)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "opted_out")


def test_sending_to_a_phone_number_needs_consent_for_a_stranger(world, client, number):
    template(world, number)
    payload = {"to": "+49 151 23456789", **ORDER_UPDATE}
    response = client.post("/api/v1/messages/", payload, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "no_consent")
    with tenant_scope(world.tenant):
        contact = Contact.objects.get(with_wa_id("4915123456789", tenant_id=world.tenant.pk))
    consent_record(
        tenant_id=world.tenant.pk, contact=contact, kind="opt_in", scope="all",
        source="web_form", proof="Ticked: yes, message me on WhatsApp", actor=None, occurred_at=timezone.now(),
    )  # fmt: skip
    response = client.post("/api/v1/messages/", payload, format="json")
    assert response.status_code == 201, response.content
    assert client.get(f"/api/v1/messages/{response.json()['id']}/").json()["status"] == "queued"


def test_sending_to_a_bad_phone_number_is_a_clear_400(world, client, number):
    response = client.post("/api/v1/messages/", {"to": "12", **TEXT}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_phone")


def test_sending_to_another_tenants_customer_starts_our_own_contact(world, other_tenant, client, number):
    theirs = ContactFactory.create(tenant=other_tenant.tenant, wa_id="4915123456789", name="Globex customer")
    client.post("/api/v1/messages/", {"to": "+4915123456789", **TEXT}, format="json")
    with tenant_scope(world.tenant):
        ours = Contact.objects.get(with_wa_id("4915123456789", tenant_id=world.tenant.pk))
    assert ours.pk != theirs.pk
    theirs.refresh_from_db()
    assert theirs.name == "Globex customer"


def test_with_several_numbers_the_channel_must_be_named(world, client, number):
    connect_number(world, phone_number_id="106540352242999", display_phone_number="15550783999")
    response = client.post("/api/v1/messages/", {"to": "+4915123456789", **TEXT}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "channel_required")


def test_a_reply_quotes_a_message_of_the_same_customer(world, client, conversation):
    quoted = MessageFactory.create(conversation=conversation, provider_message_id="wamid.QUOTED")
    response = send(client, conversation, {**TEXT, "context": {"message_id": "wamid.QUOTED"}})
    assert response.status_code == 201
    assert response.json()["reply_to"] == quoted.pk


def test_another_tenants_conversation_is_404(world, client, other_tenant):
    theirs = ConversationFactory.create(channel__tenant=other_tenant.tenant)
    response = send(client, theirs, TEXT)
    assert response.status_code == 404
    assert not Message.objects.unscoped().filter(direction="out").exists()
