"""The monthly budget: set by an owner, a warning at 80%, and business-initiated sends refused
(`budget_exceeded`) past 100% through the real send paths, until an owner raises it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.errors import PermissionDeniedError, ServiceError
from accounts.models import AuditLog, Notification, Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from billing import selectors
from billing.models import Budget
from billing.policy import month_of
from billing.services import budget_set, events_record
from inbox.models import Message
from inbox.policy import ConsentState
from tests.billing.factories import BillableEventFactory, metered
from tests.inbox.factories import ContactFactory, ConversationFactory
from tests.templates_mgmt.factories import MessageTemplateFactory
from tests.whatsapp.conftest import connect_number
from whatsapp.policy import Refusal, SendFacts, TemplateFacts, decide_send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shipped_cards")]

ORDER_UPDATE = {
    "type": "template",
    "template": {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "Maria"}, {"type": "text", "text": "860198"}]}
        ],
    },
}


def owner(world) -> Actor:
    return Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)


def spend(world, amount: str) -> None:
    BillableEventFactory.create(tenant=world.tenant, amount=Decimal(amount), occurred_at=timezone.now())


def warnings(world) -> int:
    with tenant_scope(world.tenant):
        return Notification.objects.filter(kind="billing.budget_warning").count()


def test_an_owner_sets_and_raises_the_budget_on_record(world):
    budget_set(actor=owner(world), monthly_amount="50", now=timezone.now())
    budget_set(actor=owner(world), monthly_amount=Decimal("75.50"), now=timezone.now())
    with tenant_scope(world.tenant):
        assert Budget.objects.get().monthly_amount == Decimal("75.50")
        changes = list(
            AuditLog.objects.filter(action="billing.budget_set").order_by("pk").values_list("details", flat=True)
        )
    assert changes == [{"from": None, "to": "50"}, {"from": "50.00", "to": "75.50"}]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT])
def test_only_an_owner_sets_the_budget(world, role):
    with pytest.raises(PermissionDeniedError):
        budget_set(actor=Actor(tenant_id=world.tenant.pk, role=role), monthly_amount="50", now=timezone.now())
    assert selectors.budget_of(tenant_id=world.tenant.pk) is None


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.001", "NaN", "Infinity", "99999999999", ""])
def test_a_bad_budget_is_refused_and_changes_nothing(world, amount):
    budget_set(actor=owner(world), monthly_amount="50", now=timezone.now())
    with pytest.raises(ServiceError) as raised:
        budget_set(actor=owner(world), monthly_amount=amount, now=timezone.now())
    assert raised.value.code == "invalid_budget"
    assert selectors.budget_of(tenant_id=world.tenant.pk).monthly_amount == Decimal(50)


def test_owners_and_admins_are_warned_once_a_month_at_80_percent(world):
    budget_set(actor=owner(world), monthly_amount="1.00", now=timezone.now())
    spend(world, "0.70")
    now = timezone.now()
    events_record(tenant_id=world.tenant.pk, messages=[metered(at=now)], now=now)  # 0.1365 more: 83.65%
    assert warnings(world) == 2  # the owner and the admin, not the agent
    with tenant_scope(world.tenant):
        note = Notification.objects.filter(kind="billing.budget_warning").first()
    assert note.title == "84% of this month's WhatsApp budget is spent"
    assert note.url == f"/t/{world.tenant.slug}/billing/"
    events_record(tenant_id=world.tenant.pk, messages=[metered(at=now)], now=now)
    assert warnings(world) == 2
    assert selectors.budget_of(tenant_id=world.tenant.pk).warned_for == month_of(now)


def test_raising_the_budget_rearms_the_warning(world):
    budget_set(actor=owner(world), monthly_amount="1.00", now=timezone.now())
    spend(world, "0.90")
    events_record(tenant_id=world.tenant.pk, messages=[metered(at=timezone.now())], now=timezone.now())
    assert warnings(world) == 2
    budget_set(actor=owner(world), monthly_amount="10.00", now=timezone.now())
    assert warnings(world) == 2  # 10% of the new budget
    spend(world, "8.00")
    events_record(tenant_id=world.tenant.pk, messages=[metered(at=timezone.now())], now=timezone.now())
    assert warnings(world) == 4


def test_last_months_spending_does_not_count(world):
    budget_set(actor=owner(world), monthly_amount="1.00", now=timezone.now())
    BillableEventFactory.create(tenant=world.tenant, amount=Decimal(5), occurred_at=timezone.now() - timedelta(days=40))
    status = selectors.budget_status(tenant_id=world.tenant.pk, now=timezone.now())
    assert (status.spent, status.is_exceeded) == (Decimal(0), False)


def _facts(**overrides) -> SendFacts:
    now = timezone.now()
    fields = {
        "now": now,
        "is_template": True,
        "last_inbound_at": None,
        "consent": ConsentState(opted_in=True, opted_out_all=False, opted_out_marketing=False, last_change_at=None),
        "number_active": True,
        "template": TemplateFacts(name="offer", language="en", status="APPROVED", category="MARKETING"),
        "within_budget": False,
        **overrides,
    }
    return SendFacts(**fields)


def test_the_send_rule_refuses_only_business_initiated_messages_past_the_budget():
    assert decide_send(_facts()).reason == Refusal.BUDGET_EXCEEDED
    assert decide_send(_facts(within_budget=True)).allowed
    inside_window = timezone.now() - timedelta(hours=1)
    assert decide_send(_facts(last_inbound_at=inside_window)).allowed  # a template answering the customer
    assert decide_send(_facts(is_template=False, template=None, last_inbound_at=inside_window)).allowed


# --- through the real send paths ----------------------------------------------------------------


@pytest.fixture
def number(world):
    number = connect_number(world)
    MessageTemplateFactory.create(number=number)
    return number


@pytest.fixture
def spent(world):
    budget_set(actor=owner(world), monthly_amount="1.00", now=timezone.now())
    spend(world, "1.00")


def messages(world) -> int:
    with tenant_scope(world.tenant):
        return Message.objects.count()


def test_a_template_starting_a_conversation_is_refused_past_the_budget_until_an_owner_raises_it(world, number, spent):
    conversation = ConversationFactory.create(
        channel=number.channel, contact__wa_id="4915112345678", last_inbound_at=timezone.now() - timedelta(days=3)
    )
    api = world.api_client()
    url = f"/api/v1/conversations/{conversation.pk}/messages/"
    response = api.post(url, ORDER_UPDATE, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "budget_exceeded")
    assert "raises the budget" in response.json()["error"]["message"]
    assert messages(world) == 0
    budget_set(actor=owner(world), monthly_amount="2.00", now=timezone.now())
    response = api.post(url, ORDER_UPDATE, format="json")
    assert response.status_code == 201, response.content


def test_replies_inside_the_window_still_go_past_the_budget(world, number, spent):
    conversation = ConversationFactory.create(
        channel=number.channel, contact__wa_id="4915112345678", last_inbound_at=timezone.now() - timedelta(hours=1)
    )
    api = world.api_client()
    url = f"/api/v1/conversations/{conversation.pk}/messages/"
    text = {"type": "text", "text": {"body": "Yes, it ships today."}}
    assert api.post(url, text, format="json").status_code == 201
    assert api.post(url, ORDER_UPDATE, format="json").status_code == 201


def test_a_broadcast_past_the_budget_rejects_its_recipients_with_the_reason(world, number, spent):
    contact = ContactFactory.create(tenant=world.tenant, wa_id="4915112345678", phone="+4915112345678")
    ConversationFactory.create(
        channel=number.channel, contact=contact, last_inbound_at=timezone.now() - timedelta(days=3)
    )
    body = {
        "template": {"name": "order_update", "language": "en_US"},
        "recipients": [{"phone": "+4915112345678", "parameters": ["Maria", "860198"]}],
    }
    response = world.api_client().post("/api/v1/broadcasts/", body, format="json")
    assert response.status_code == 201, response.content
    assert [(r["row"], r["code"]) for r in response.json()["rejected"]] == [(1, "budget_exceeded")]
