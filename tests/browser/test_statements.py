"""An owner finds last month's statement from the usage page, reads it and downloads its PDF."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import Membership, Role, Tenant
from accounts.services import Actor
from billing.models import BillableEvent
from billing.services import budget_set, credit_grant, plan_change, statement_issue
from tests.billing.conftest import exchange_rates  # noqa: F401 (the fixture, used by name)
from tests.billing.factories import BillableEventFactory
from tests.browser.conftest import screenshot
from tests.browser.test_setup_and_reports import open_from_sidebar
from tests.browser.test_team_and_keys import sign_in


@pytest.mark.usefixtures("exchange_rates")
def test_the_owner_reads_and_downloads_a_statement(page, asgi_server):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    tenant = Tenant.objects.get(slug="demo-coffee-roasters")
    Tenant.objects.filter(pk=tenant.pk).update(
        legal_name="Demo Coffee Roasters SAS",
        country="FR",
        vat_id="FR40303265045",
        address="12 rue du Café\n75002 Paris",
    )
    # The demo's owner and agent joined before October (seed_demo dates them today).
    Membership.objects.for_tenant(tenant).update(created_at=datetime(2026, 9, 1, tzinfo=UTC))
    owner = Membership.objects.for_tenant(tenant).filter(role=Role.OWNER).first()
    actor = Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner.user)
    plan_change(actor=actor, code="starter", numbers_used=1, now=datetime(2026, 9, 1, tzinfo=UTC))
    plan_change(actor=actor, code="business", numbers_used=1, now=datetime(2026, 10, 21, 9, tzinfo=UTC))
    events = [
        *BillableEventFactory.build_batch(
            4500, tenant=tenant, occurred_at=datetime(2026, 10, 3, tzinfo=UTC), amount=Decimal("0.1365")
        ),
        *BillableEventFactory.build_batch(
            320,
            tenant=tenant,
            occurred_at=datetime(2026, 10, 12, tzinfo=UTC),
            category="utility",
            country="BR",
            recipient="5511987654321",
            amount=Decimal("0.0080"),
        ),
    ]
    BillableEvent.objects.for_tenant(tenant).bulk_create(events)
    credit_grant(
        tenant_id=tenant.pk,
        amount="10.00",
        reason="September: a broadcast billed twice",
        now=datetime(2026, 10, 2, tzinfo=UTC),
    )
    # This month so far: a few sends a day against a 40 USD budget.
    now = timezone.now()
    BillableEvent.objects.for_tenant(tenant).bulk_create(
        event
        for day in range(now.day)
        for event in BillableEventFactory.build_batch(
            10 + day % 7, tenant=tenant, occurred_at=now - timedelta(days=day), amount=Decimal("0.1365")
        )
    )
    budget_set(actor=actor, monthly_amount="40", now=now)
    statement = statement_issue(tenant_id=tenant.pk, month=date(2026, 10, 1), now=datetime(2026, 11, 1, 3, tzinfo=UTC))
    assert statement is not None

    sign_in(page, "owner@demo.test", "demo-owner-pass")
    open_from_sidebar(page, "Usage")
    page.get_by_role("heading", name="Spending against the budget").scroll_into_view_if_needed()
    screenshot(page, "billing-usage-budget")
    page.get_by_role("heading", name="Statements").scroll_into_view_if_needed()
    screenshot(page, "billing-usage-statements")
    page.get_by_role("link", name="All statements").click()
    page.get_by_role("link", name=statement.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(statement.number)
    expect(page.get_by_text("Reverse charge: VAT to be accounted for by the recipient")).to_be_visible()
    expect(page.get_by_role("row", name="Seats: 2 of 15 in use")).to_contain_text("0.00 EUR")
    expect(page.get_by_role("row", name="Total")).to_contain_text(f"{statement.total:,.2f} EUR")
    page.set_viewport_size({"width": 1280, "height": 1100})
    screenshot(page, "billing-statement")

    pdf_url = page.get_by_role("link", name="Download PDF").get_attribute("href")
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    response = httpx.get(f"{asgi_server.url}{pdf_url}", cookies=cookies)
    assert response.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert statement.number in text
    assert f"{statement.total:,.2f} EUR" in text
