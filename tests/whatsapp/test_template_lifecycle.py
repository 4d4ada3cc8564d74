"""A template's life at Meta, through the Cloud API simulator over HTTP: submitted, reviewed
(approved or rejected with a reason), sent, paused, edited, deleted, and imported by the sync."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from accounts.errors import ConflictError, ServiceError
from accounts.models import Notification, Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox.models import OutboxEntry
from inbox.services.outbound import send_message
from templates_mgmt import services as drafts
from templates_mgmt.models import MessageTemplate, TemplateEvent
from tests.inbox.factories import ConsentEventFactory, ConversationFactory
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number, post_webhook
from whatsapp.services import ingest, sender
from whatsapp.services import templates as lifecycle

pytestmark = pytest.mark.django_db

ORDER_UPDATE = {
    "name": "order_update",
    "language": "en_US",
    "category": "UTILITY",
    "parameter_format": "NAMED",
    "components": [
        {
            "type": "BODY",
            "text": "Hello {{first_name}}, your order {{order_number}} has shipped and arrives tomorrow.",
            "example": {"body_text_named_params": [
                {"param_name": "first_name", "example": "Maria"},
                {"param_name": "order_number", "example": "A-1001"},
            ]},
        },
        {"type": "FOOTER", "text": "Acme Coffee"},
    ],
}  # fmt: skip


@pytest.fixture
def sim_number(world, simulator, webhook_receiver):
    simulator.config.webhook_url = webhook_receiver.url
    simulator.config.app_secret = "dev-app-secret"  # the product's WHATSAPP_APP_SECRET in tests
    return connect_number(world, graph_api_base_url=simulator.url, phone_number_id=payloads.PHONE_NUMBER_ID)


def admin(world) -> Actor:
    return Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)


def draft(world, number, body=ORDER_UPDATE) -> MessageTemplate:
    return drafts.template_draft_save(tenant_id=world.tenant.pk, waba_id=number.waba_id, body=body, now=timezone.now())


def order_update(**values: str) -> dict:
    """A send of ORDER_UPDATE with its named parameters."""
    parameters = [{"type": "text", "parameter_name": name, "text": text} for name, text in values.items()]
    components = [{"type": "body", "parameters": parameters}]
    return {
        "type": "template",
        "template": {"name": "order_update", "language": {"code": "en_US"}, "components": components},
    }


def relay_template_webhooks(receiver, *, count: int) -> None:
    """Wait until the simulator sent `count` template webhooks in all, then hand the ones not
    handed yet to our view, as Meta's reach it."""
    fields = ("message_template_status_update", "message_template_quality_update", "template_category_update")
    receiver.wait_for(lambda r: sum(len(r.changes(f)) for f in fields) >= count)
    received = receiver.received()
    for request in received[getattr(receiver, "relayed", 0) :]:
        post_webhook(request.body, signature=request.header("X-Hub-Signature-256"), secret="")
    receiver.relayed = len(received)
    ingest.drain()


def reload(world, template) -> MessageTemplate:
    with tenant_scope(world.tenant):
        return MessageTemplate.objects.get(pk=template.pk)


def test_submitted_approved_then_sent_outside_the_window(world, simulator, webhook_receiver, sim_number):
    template = draft(world, sim_number)
    lifecycle.template_submit(template=template, actor=admin(world), now=timezone.now())
    template = reload(world, template)
    assert template.status == "PENDING"
    assert template.meta_id
    relay_template_webhooks(webhook_receiver, count=1)
    template = reload(world, template)
    assert template.status == "APPROVED"
    with tenant_scope(world.tenant):
        assert {n.kind for n in Notification.objects.all()} == {"template.approved"}

    conversation = ConversationFactory.create(channel=sim_number.channel, contact__wa_id="4915112345678",
                                              last_inbound_at=timezone.now() - timedelta(days=3))  # fmt: skip
    ConsentEventFactory.create(contact=conversation.contact)
    payload = order_update(first_name="Jürgen", order_number="B-7")
    message = send_message(conversation=conversation, payload=payload, actor=admin(world), now=timezone.now())
    assert message.text == "Hello Jürgen, your order B-7 has shipped and arrives tomorrow."
    with tenant_scope(world.tenant):
        entry = OutboxEntry.objects.get(message=message)
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "sent"


def test_a_rejection_comes_back_with_meta_s_reason(world, simulator, webhook_receiver, sim_number):
    httpx.post(f"{simulator.url}/_sim/templates/review", json={"rejected_words": {"shipped": "SCAM"}})
    template = draft(world, sim_number)
    lifecycle.template_submit(template=template, actor=admin(world), now=timezone.now())
    relay_template_webhooks(webhook_receiver, count=1)
    template = reload(world, template)
    assert (template.status, template.rejection_reason) == ("REJECTED", "SCAM")
    with tenant_scope(world.tenant):
        assert Notification.objects.filter(kind="template.rejected").count() == 2  # owner and admin


def test_a_paused_template_is_refused_by_the_policy_and_can_be_unpaused(world, simulator, webhook_receiver, sim_number):
    template = draft(world, sim_number)
    lifecycle.template_submit(template=template, actor=admin(world), now=timezone.now())
    relay_template_webhooks(webhook_receiver, count=1)
    meta_id = reload(world, template).meta_id
    httpx.post(f"{simulator.url}/_sim/templates/{meta_id}/status", json={"status": "PAUSED"}).raise_for_status()
    relay_template_webhooks(webhook_receiver, count=2)
    template = reload(world, template)
    assert (template.status, template.rejection_reason) == ("PAUSED", "")
    conversation = ConversationFactory.create(channel=sim_number.channel, contact__wa_id="4915112345678")
    ConsentEventFactory.create(contact=conversation.contact)
    payload = order_update(first_name="A", order_number="B")
    with pytest.raises(ServiceError) as refused:
        send_message(conversation=conversation, payload=payload, actor=admin(world), now=timezone.now())
    assert refused.value.code == "template_not_approved"
    lifecycle.template_unpause(template=template, actor=admin(world), now=timezone.now())
    assert reload(world, template).status == "APPROVED"


def test_sync_imports_a_template_made_only_at_meta_and_notices_deletions(world, simulator, sim_number):
    httpx.post(f"{simulator.url}/_sim/templates", json={
        "name": "made_in_manager", "language": "de", "category": "MARKETING", "waba_id": sim_number.waba_id,
        "components": [{"type": "BODY", "text": "Neu im Sortiment: unsere Wintermischung."}]},
    ).raise_for_status()  # fmt: skip
    result = lifecycle.templates_sync(tenant_id=world.tenant.pk, waba_id=sim_number.waba_id, now=timezone.now())
    assert (result.imported, result.seen) == (1, 1)
    with tenant_scope(world.tenant):
        imported = MessageTemplate.objects.get(name="made_in_manager")
    assert (imported.status, imported.category, imported.language) == ("APPROVED", "MARKETING", "de")
    assert imported.meta_id
    # Synced again: nothing new. Then deleted at Meta: the next sync marks it deleted.
    assert (
        lifecycle.templates_sync(tenant_id=world.tenant.pk, waba_id=sim_number.waba_id, now=timezone.now()).imported
        == 0
    )
    httpx.delete(f"{simulator.url}/_sim/templates").raise_for_status()
    assert lifecycle.templates_sync(tenant_id=world.tenant.pk, waba_id=sim_number.waba_id, now=timezone.now()).gone == 1
    assert reload(world, imported).status == "DELETED"


def test_an_approved_template_is_edited_once_a_day(world, simulator, webhook_receiver, sim_number):
    template = draft(world, sim_number)
    lifecycle.template_submit(template=template, actor=admin(world), now=timezone.now())
    relay_template_webhooks(webhook_receiver, count=1)
    template = reload(world, template)
    components = [{**ORDER_UPDATE["components"][0], "text": ORDER_UPDATE["components"][0]["text"].replace(
        "arrives tomorrow", "arrives within two days")}]  # fmt: skip
    lifecycle.template_edit(template=template, body={"components": components}, actor=admin(world), now=timezone.now())
    template = reload(world, template)
    assert (template.status, template.version) == ("PENDING", 2)
    relay_template_webhooks(webhook_receiver, count=3)  # the edit's PENDING, then APPROVED
    template = reload(world, template)
    assert template.status == "APPROVED"
    with pytest.raises(ConflictError) as refused:
        lifecycle.template_edit(template=template, body={"components": components}, actor=admin(world),
                                now=timezone.now())  # fmt: skip
    assert refused.value.code == "edit_not_allowed"
    assert "24 hours" in refused.value.message


def test_deleting_removes_it_at_meta(world, simulator, webhook_receiver, sim_number):
    template = draft(world, sim_number)
    lifecycle.template_submit(template=template, actor=admin(world), now=timezone.now())
    lifecycle.template_delete(template=reload(world, template), actor=admin(world), now=timezone.now())
    assert reload(world, template).status == "DELETED"
    listed = httpx.get(f"{simulator.url}/v25.0/{sim_number.waba_id}/message_templates",
                       headers={"Authorization": "Bearer test-access-token"}).json()["data"]  # fmt: skip
    assert [t["name"] for t in listed] == []


def test_a_draft_with_lint_errors_never_reaches_meta(world, simulator, sim_number):
    body = {**ORDER_UPDATE, "components": [{"type": "BODY", "text": "{{first_name}}{{order_number}}"}]}
    template = draft(world, sim_number, body)
    with pytest.raises(ServiceError) as refused:
        lifecycle.template_submit(template=template, actor=admin(world), now=timezone.now())
    assert refused.value.code == "template_invalid"
    codes = {finding["code"] for finding in refused.value.details}
    assert {"placeholders_adjacent", "example_missing"} <= codes
    assert reload(world, template).status == "DRAFT"
    assert httpx.get(f"{simulator.url}/_sim/templates").json()["data"] == []


def test_meta_s_refusal_is_kept_for_the_admin(world, simulator, sim_number):
    httpx.post(
        f"{simulator.url}/_sim/templates", json={**ORDER_UPDATE, "waba_id": sim_number.waba_id}
    ).raise_for_status()
    template = draft(world, sim_number)
    with pytest.raises(ServiceError) as refused:
        lifecycle.template_submit(template=template, actor=admin(world), now=timezone.now())
    assert refused.value.code == "meta_refused"
    template = reload(world, template)
    assert template.status == "DRAFT"
    assert template.last_error


def test_an_agent_can_not_submit(world, sim_number):
    template = draft(world, sim_number)
    agent = Actor(tenant_id=world.tenant.pk, role=Role.AGENT, user=world.agent.user)
    with pytest.raises(ServiceError) as refused:
        lifecycle.template_submit(template=template, actor=agent, now=timezone.now())
    assert refused.value.code == "permission_denied"
    with tenant_scope(world.tenant):
        assert not TemplateEvent.objects.exists()


def test_a_template_message_keeps_its_version_and_the_request_leaves_our_notes_out(world, simulator, sim_number):
    httpx.post(f"{simulator.url}/_sim/templates", json={**ORDER_UPDATE, "waba_id": sim_number.waba_id})
    lifecycle.templates_sync(tenant_id=world.tenant.pk, waba_id=sim_number.waba_id, now=timezone.now())
    MessageTemplate.objects.unscoped().filter(tenant=world.tenant).update(version=3)
    conversation = ConversationFactory.create(channel=sim_number.channel, contact__wa_id="4915112345678")
    ConsentEventFactory.create(contact=conversation.contact)
    message = send_message(conversation=conversation, payload=order_update(first_name="A", order_number="B"),
                           actor=admin(world), now=timezone.now())  # fmt: skip
    assert message.content["_template_version"] == 3
    with tenant_scope(world.tenant):
        entry = OutboxEntry.objects.get(message=message)
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "sent"
    sent = httpx.get(f"{simulator.url}/_sim/messages?direction=outbound").json()["data"][0]["request"]
    assert "_template_version" not in sent


def test_the_periodic_sync_goes_through_every_business_account(world, simulator, sim_number):
    httpx.post(f"{simulator.url}/_sim/templates", json={**ORDER_UPDATE, "waba_id": sim_number.waba_id})
    assert lifecycle.templates_sync_all(now=timezone.now()) == 1
    assert [t.name for t in MessageTemplate.objects.unscoped().filter(tenant=world.tenant)] == ["order_update"]
