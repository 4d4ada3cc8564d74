"""Meta's template webhooks (status, quality, category) update the template, keep its history,
and tell the tenant's admins in the product; they reach no other tenant."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from accounts.models import Notification
from accounts.tenancy import tenant_scope
from templates_mgmt.models import MessageTemplate, TemplateEvent
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number, post_webhook
from whatsapp.services import ingest

pytestmark = pytest.mark.django_db

ABANDONED_CART_ID = "1689556908129835"
ORDER_CONFIRMATION_ID = "1689556908129832"


def deliver(body: bytes) -> None:
    assert post_webhook(body).status_code == 200
    ingest.drain()


def template(world, *, meta_id: str, name: str, language: str, category: str = "UTILITY", status: str = "PENDING"):
    return MessageTemplate.objects.unscoped().create(
        tenant=world.tenant, waba_id=payloads.WABA_ID, name=name, language=language, category=category,
        status=status, meta_id=meta_id, components=[{"type": "BODY", "text": "Hello {{1}}, see you."}],
    )  # fmt: skip


def status_update(event: str, *, meta_id: str = ORDER_CONFIRMATION_ID, time: int = 1764003000, **extra) -> bytes:
    value = {"event": event, "message_template_id": int(meta_id), "message_template_name": "order_confirmation",
             "message_template_language": "en_US", "reason": extra.pop("reason", "NONE"), **extra}  # fmt: skip
    envelope = {"object": "whatsapp_business_account", "entry": [
        {"id": payloads.WABA_ID, "time": time, "changes": [{"field": "message_template_status_update", "value": value}]}
    ]}  # fmt: skip
    return json.dumps(envelope).encode()


def notifications(world) -> list[tuple[int, str]]:
    with tenant_scope(world.tenant):
        return sorted(Notification.objects.values_list("user_id", "kind"))


def reload(world, t: MessageTemplate) -> MessageTemplate:
    with tenant_scope(world.tenant):
        return MessageTemplate.objects.get(pk=t.pk)


def test_a_rejection_records_reason_and_detail_and_tells_admins_and_owners_not_agents(world, number):
    cart = template(world, meta_id=ABANDONED_CART_ID, name="abandoned_cart", language="en", category="MARKETING")
    deliver(payloads.raw("template_status_rejected"))
    cart = reload(world, cart)
    assert (cart.status, cart.rejection_reason) == ("REJECTED", "INVALID_FORMAT")
    assert "placed next to each other" in cart.rejection_detail
    assert cart.status_updated_at == datetime.fromtimestamp(1764003010, tz=UTC)
    told = notifications(world)
    assert told == sorted([(world.owner.user_id, "template.rejected"), (world.admin.user_id, "template.rejected")])
    with tenant_scope(world.tenant):
        note = Notification.objects.filter(user=world.admin.user).get()
        assert "abandoned_cart" in note.title
        assert note.url.endswith(f"/templates/{cart.pk}/")
        event = TemplateEvent.objects.get(template=cart)
    assert (event.kind, event.source, event.previous, event.new, event.reason) == (
        "status", "webhook", "PENDING", "REJECTED", "INVALID_FORMAT"
    )  # fmt: skip


def test_approval_pause_and_reinstatement_are_history_in_order(world, number):
    order = template(world, meta_id=ORDER_CONFIRMATION_ID, name="order_confirmation", language="en_US")
    deliver(status_update("APPROVED", time=1764003000))
    deliver(status_update("PAUSED", time=1764004000, other_info={"title": "FIRST_PAUSE", "description": "3 hours"}))
    deliver(status_update("REINSTATED", time=1764015000))
    assert reload(world, order).status == "APPROVED"
    with tenant_scope(world.tenant):
        events = TemplateEvent.objects.filter(template=order).order_by("occurred_at")
        history = list(events.values_list("new", "reason"))
    assert history == [("APPROVED", ""), ("PAUSED", "FIRST_PAUSE"), ("APPROVED", "")]
    kinds = {kind for _user, kind in notifications(world)}
    assert kinds == {"template.approved", "template.paused"}


def test_an_older_status_arriving_late_is_history_but_does_not_move_the_status_back(world, number):
    order = template(world, meta_id=ORDER_CONFIRMATION_ID, name="order_confirmation", language="en_US")
    deliver(status_update("PAUSED", time=1764004000, other_info={"title": "FIRST_PAUSE"}))
    deliver(status_update("APPROVED", time=1764003000))
    assert reload(world, order).status == "PAUSED"


def test_the_same_webhook_delivered_twice_changes_and_tells_once(world, number):
    order = template(world, meta_id=ORDER_CONFIRMATION_ID, name="order_confirmation", language="en_US")
    body = status_update("APPROVED")
    deliver(body)
    deliver(body)
    assert reload(world, order).status == "APPROVED"
    assert len(notifications(world)) == 2  # owner and admin, once each
    with tenant_scope(world.tenant):
        assert TemplateEvent.objects.filter(template=order).count() == 1


def test_quality_drops_are_recorded_and_told(world, number):
    order = template(world, meta_id=ORDER_CONFIRMATION_ID, name="order_confirmation", language="en_US")
    deliver(payloads.raw("template_quality_update"))
    assert reload(world, order).quality_score == "YELLOW"
    assert {kind for _user, kind in notifications(world)} == {"template.quality"}


def test_an_announced_recategorisation_keeps_the_category_until_it_happens(world, number):
    order = template(world, meta_id=ORDER_CONFIRMATION_ID, name="order_confirmation", language="en_US")
    deliver(payloads.raw("template_category_update_impending"))
    order = reload(world, order)
    assert order.category == "UTILITY"
    assert order.category_change["new"] == "MARKETING"
    assert order.category_change["effective_at"].startswith("2025-11-25")
    deliver(payloads.raw("template_category_update_done"))
    assert reload(world, order).category == "MARKETING"


def test_an_update_for_a_template_we_do_not_know_is_kept_for_the_sync(world, number):
    deliver(status_update("APPROVED", meta_id="999"))
    with tenant_scope(world.tenant):
        assert not MessageTemplate.objects.exists()
    assert notifications(world) == []


def test_another_tenants_template_of_the_same_name_is_untouched(world, other_tenant, number):
    theirs = MessageTemplate.objects.unscoped().create(
        tenant=other_tenant.tenant, waba_id="555", name="order_confirmation", language="en_US",
        category="UTILITY", status="PENDING", meta_id="42",
    )  # fmt: skip
    ours = template(world, meta_id=ORDER_CONFIRMATION_ID, name="order_confirmation", language="en_US")
    deliver(status_update("APPROVED"))
    assert reload(world, ours).status == "APPROVED"
    assert MessageTemplate.objects.unscoped().get(pk=theirs.pk).status == "PENDING"
    assert not Notification.objects.unscoped().filter(tenant=other_tenant.tenant).exists()


def test_a_second_number_of_the_tenant_does_not_change_routing(world, number):
    connect_number(world, phone_number_id="200000000000002", display_phone_number="15550100002")
    order = template(world, meta_id=ORDER_CONFIRMATION_ID, name="order_confirmation", language="en_US")
    deliver(status_update("APPROVED"))
    assert reload(world, order).status == "APPROVED"
