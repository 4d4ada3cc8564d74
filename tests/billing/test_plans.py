"""Plans as data with their limits: an owner changes the plan; inviting past the seat count and
connecting past the number count are refused with a clear error and change nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.errors import ConflictError, ServiceError
from accounts.models import AuditLog, Invitation, Role
from accounts.services import Actor, invitation_create
from accounts.tenancy import tenant_scope
from billing import plans, selectors
from billing.services import plan_change
from tests.accounts.factories import MembershipFactory
from tests.conftest import page_text
from tests.whatsapp.conftest import connect_number
from whatsapp.models import WhatsAppNumber

STARTER = plans.plan_named("starter")
BUSINESS = plans.plan_named("business")


@pytest.mark.parametrize(
    ("plan", "used", "refused"),
    [(plans.TRIAL, 500, False), (STARTER, 2, False), (STARTER, 3, True), (BUSINESS, 14, False), (BUSINESS, 15, True)],
)
def test_a_seat_is_refused_once_the_plans_seats_are_taken(plan, used, refused):
    assert (plans.seat_refusal(plan, seats_used=used) is not None) is refused


@pytest.mark.parametrize(
    ("plan", "used", "refused"), [(plans.TRIAL, 50, False), (STARTER, 0, False), (STARTER, 1, True)]
)
def test_a_number_is_refused_once_the_plans_numbers_are_connected(plan, used, refused):
    assert (plans.number_refusal(plan, numbers_used=used) is not None) is refused


@pytest.mark.parametrize(
    ("seats", "numbers", "problem"),
    [(3, 1, None), (4, 1, "includes 3 seats; you use 4"), (3, 2, "includes 1 WhatsApp number(s); you have 2")],
)
def test_moving_to_a_plan_needs_the_tenant_to_fit_it(seats, numbers, problem):
    refusal = plans.change_refusal(STARTER, seats_used=seats, numbers_used=numbers)
    assert (refusal is None) if problem is None else (problem in refusal)


def test_the_starter_plan_is_the_markets_cheapest_offer():
    assert (STARTER.monthly_fee, STARTER.currency, STARTER.seats, STARTER.numbers) == (Decimal(90), "EUR", 3, 1)
    assert plans.plan_named("usage").margin_percent == Decimal(20)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("periods", "month", "expected"),
    [
        # A whole month on one plan: its fee.
        ([(STARTER, at("2026-10-15 10:00"))], date(2026, 11, 1), [("starter", 1, 30, "90.00")]),
        # Started on the 16th of a 30-day month: 15 days.
        ([(STARTER, at("2026-11-16 08:00"))], date(2026, 11, 1), [("starter", 16, 15, "45.00")]),
        # Upgraded on 11 Feb (28 days): 10 days of starter, 18 of business.
        (
            [(STARTER, at("2026-01-01 00:00")), (BUSINESS, at("2026-02-11 12:00"))],
            date(2026, 2, 1),
            [("starter", 1, 10, "32.14"), ("business", 11, 18, "186.43")],
        ),
        # Two changes in one day: the day goes to the last.
        (
            [(STARTER, at("2026-12-01 00:00")), (BUSINESS, at("2026-12-31 09:00")), (STARTER, at("2026-12-31 17:00"))],
            date(2026, 12, 1),
            [("starter", 1, 31, "90.00")],
        ),
        ([(BUSINESS, at("2027-01-01 00:00"))], date(2026, 12, 1), []),
    ],
)
def test_changing_plan_is_prorated_by_day(periods, month, expected):
    lines = plans.prorated_fees(periods, month=month)
    assert [(line.plan.code, line.first_day.day, line.days, str(line.amount)) for line in lines] == expected


def owner(world) -> Actor:
    return Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)


def test_a_tenant_that_never_chose_is_on_the_trial_without_limits(world):
    assert selectors.current_plan(tenant_id=world.tenant.pk, now=timezone.now()) is plans.TRIAL
    for n in range(4):
        invitation_create(tenant=world.tenant, actor=owner(world), email=f"guest{n}@example.com", role=Role.AGENT)


def test_an_owner_changes_the_plan_on_record(world):
    plan_change(actor=owner(world), code="business", numbers_used=0, now=timezone.now())
    assert selectors.current_plan(tenant_id=world.tenant.pk, now=timezone.now()) == BUSINESS
    with tenant_scope(world.tenant):
        assert AuditLog.objects.filter(action="billing.plan_changed", details={"plan": "business"}).exists()
    with pytest.raises(ConflictError) as raised:
        plan_change(actor=owner(world), code="business", numbers_used=0, now=timezone.now())
    assert raised.value.code == "same_plan"


@pytest.mark.parametrize(("role", "code", "error"), [
    (Role.ADMIN, "business", "permission_denied"),
    (Role.OWNER, "platinum", "invalid_plan"),
    (Role.OWNER, "trial", "invalid_plan"),
])  # fmt: skip
def test_bad_plan_changes_are_refused_and_change_nothing(world, role, code, error):
    with pytest.raises(ServiceError) as raised:
        plan_change(
            actor=Actor(tenant_id=world.tenant.pk, role=role, user=world.owner.user),
            code=code,
            numbers_used=0,
            now=timezone.now(),
        )
    assert raised.value.code == error
    assert selectors.current_plan(tenant_id=world.tenant.pk, now=timezone.now()) is plans.TRIAL


def test_a_plan_smaller_than_the_team_is_refused(world):
    MembershipFactory.create(tenant=world.tenant, role=Role.AGENT)  # 4 members
    with pytest.raises(ConflictError) as raised:
        plan_change(actor=owner(world), code="starter", numbers_used=0, now=timezone.now())
    assert raised.value.code == "plan_limits_exceeded"
    assert "includes 3 seats; you use 4" in raised.value.message


def test_inviting_past_the_seat_count_is_refused_on_the_team_page(world):
    plan_change(actor=owner(world), code="usage", numbers_used=0, now=timezone.now())  # 5 seats, 3 taken
    client = world.client_for(world.admin)
    for email in ("one@example.com", "two@example.com"):
        assert (
            client.post(f"/t/{world.tenant.slug}/settings/team/", {"email": email, "role": "agent"}).status_code == 302
        )
    response = client.post(f"/t/{world.tenant.slug}/settings/team/", {"email": "three@example.com", "role": "agent"})
    assert "Your Pay as you go plan includes 5 seats" in page_text(response)
    with tenant_scope(world.tenant):
        assert not Invitation.objects.filter(email="three@example.com").exists()
    # Inviting the same person again replaces their invitation: no new seat needed.
    invitation_create(tenant=world.tenant, actor=owner(world), email="two@example.com", role=Role.ADMIN)
    # Withdrawing an invitation frees its seat.
    with tenant_scope(world.tenant):
        Invitation.objects.filter(email="one@example.com").update(revoked_at=timezone.now())
    invitation_create(tenant=world.tenant, actor=owner(world), email="three@example.com", role=Role.AGENT)


def test_connecting_past_the_number_count_is_refused(world):
    plan_change(actor=owner(world), code="starter", numbers_used=0, now=timezone.now())
    connect_number(world)
    with pytest.raises(ConflictError) as raised:
        connect_number(world, phone_number_id="106540352242999")
    assert raised.value.code == "number_limit_reached"
    assert "includes 1 WhatsApp number(s), all connected" in raised.value.message
    with tenant_scope(world.tenant):
        assert WhatsAppNumber.objects.count() == 1


def test_the_owner_picks_a_plan_on_the_usage_page_and_admins_do_not_see_it(world):
    client = world.client_for(world.owner)
    text = page_text(client.get(f"/t/{world.tenant.slug}/billing/"))
    assert "You are on the Trial plan, with 3 seats taken" in text
    assert "90 EUR" in text
    response = client.post(f"/t/{world.tenant.slug}/billing/plan/", {"plan": "business"}, follow=True)
    assert "You are now on the Business plan." in page_text(response)
    response = client.post(f"/t/{world.tenant.slug}/billing/plan/", {"plan": "nope"}, follow=True)
    assert "There is no plan “nope” to choose." in page_text(response)
    assert "Change the plan" not in page_text(world.client_for(world.admin).get(f"/t/{world.tenant.slug}/billing/"))
    assert (
        world.client_for(world.admin).post(f"/t/{world.tenant.slug}/billing/plan/", {"plan": "starter"}).status_code
        == 403
    )
