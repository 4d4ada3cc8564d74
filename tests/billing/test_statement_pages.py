"""The owner's statements: the list, the page, the CSV and the PDF; admins and agents are refused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Membership, Role, Tenant
from accounts.services import Actor
from billing.models import BillableEvent
from billing.services import credit_grant, plan_change, statement_issue
from tests.billing.factories import BillableEventFactory
from tests.conftest import page_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("exchange_rates")]


@pytest.fixture
def statement(world):
    """October 2026 on the starter plan with 1,001 charged marketing templates to Germany (one past the
    included ones), a credit, for a Finnish consumer."""
    Tenant.objects.filter(pk=world.tenant.pk).update(legal_name="Acme Kahvi Oy", country="FI", address="Helsinki")
    Membership.objects.for_tenant(world.tenant).update(created_at=datetime(2026, 9, 1, tzinfo=UTC))
    actor = Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)
    plan_change(actor=actor, code="starter", numbers_used=0, now=datetime(2026, 9, 1, tzinfo=UTC))
    events = BillableEventFactory.build_batch(
        1001, tenant=world.tenant, occurred_at=datetime(2026, 10, 5, tzinfo=UTC), amount=Decimal("0.125")
    )
    BillableEvent.objects.for_tenant(world.tenant).bulk_create(events)  # built by the factory, stored at once
    credit_grant(tenant_id=world.tenant.pk, amount="5.00", reason="Goodwill: outage on 2 September", now=timezone.now())
    return statement_issue(tenant_id=world.tenant.pk, month=date(2026, 10, 1), now=datetime(2026, 11, 1, tzinfo=UTC))


def url(world, path=""):
    return f"/t/{world.tenant.slug}/billing/statements/{path}"


def test_the_statement_bills_the_fee_the_message_past_the_included_ones_and_the_credit_with_finnish_vat(statement):
    # 90.00 + (1001 × 0.10 − 1000 × 0.10) − 5.00 = 85.10; VAT 25.5 % = 21.70.
    assert (statement.net, statement.vat, statement.total) == (Decimal("85.10"), Decimal("21.70"), Decimal("106.80"))


def test_the_owner_lists_and_reads_a_statement(world, statement):
    client = world.client_for(world.owner)
    listing = page_text(client.get(url(world)))
    assert statement.number in listing
    assert "106.80 EUR" in listing
    response = client.get(url(world, f"{statement.number}/"))
    assert response.status_code == 200
    text = page_text(response)
    for expected in (
        statement.number,
        "October 2026",
        "Acme Kahvi Oy",
        "Starter plan",
        "Seats: 3 of 3 in use",
        "1001 charged",
        "1000 included in the plan",
        "Goodwill: outage on 2 September",
        "VAT 25.5% (FI)",
        "106.80 EUR",
        "1 EUR = 1.25 USD",
        "no VAT number given",
    ):
        assert expected in text, expected


def test_the_csv_has_a_row_per_line_and_the_totals(world, statement):
    response = world.client_for(world.owner).get(url(world, f"{statement.number}/csv/"))
    assert response["Content-Type"].startswith("text/csv")
    assert f"{statement.number}.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["kind"], row["amount_eur"]) for row in rows] == [
        ("plan", "90.00"),
        ("seats", "0.00"),
        ("usage", "0.10"),
        ("credit", "-5.00"),
        ("net", "85.10"),
        ("vat", "21.70"),
        ("total", "106.80"),
    ]
    assert (rows[1]["quantity"], rows[1]["included"]) == ("3", "3")  # members of the starter plan's 3 seats
    assert (rows[2]["quantity"], rows[2]["included"], rows[2]["cost"], rows[2]["cost_currency"]) == (
        "1001",
        "1000",
        "125.125000",
        "USD",
    )


def test_the_pdf_carries_the_number_the_lines_and_the_total(world, statement):
    response = world.client_for(world.owner).get(url(world, f"{statement.number}/pdf/"))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (statement.number, "Acme Kahvi Oy", "Starter plan", "106.80 EUR", "VAT 25.5% (FI)", "1.25 USD"):
        assert expected in text, expected


def test_the_pdf_keeps_every_letter_of_a_polish_company(world, statement):
    Tenant.objects.filter(pk=world.tenant.pk).update(legal_name="Kawiarnia Łódź Sp. z o.o.", country="PL")
    plan_change(
        actor=Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user),
        code="business",
        numbers_used=0,
        now=datetime(2026, 11, 3, tzinfo=UTC),
    )
    november = statement_issue(
        tenant_id=world.tenant.pk, month=date(2026, 11, 1), now=datetime(2026, 12, 1, tzinfo=UTC)
    )
    response = world.client_for(world.owner).get(url(world, f"{november.number}/pdf/"))
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Kawiarnia Łódź Sp. z o.o." in text
    assert "VAT 23% (PL)" in text


@pytest.mark.parametrize("role", ["admin", "agent"])
@pytest.mark.parametrize("path", ["", "{number}/", "{number}/csv/", "{number}/pdf/"])
def test_only_owners_see_statements(world, statement, role, path):
    response = world.client_for(getattr(world, role)).get(url(world, path.format(number=statement.number)))
    assert response.status_code == 403
    assert statement.number not in response.content.decode()


@pytest.mark.parametrize("path", ["RLY-2026-999999/", "RLY-2026-999999/csv/", "RLY-2026-999999/pdf/"])
def test_an_unknown_statement_is_not_found(world, path):
    assert world.client_for(world.owner).get(url(world, path)).status_code == 404


def test_the_usage_page_links_the_owners_statements_only(world, statement):
    owner_page = page_text(world.client_for(world.owner).get(f"/t/{world.tenant.slug}/billing/?month=2026-10"))
    assert statement.number in owner_page
    assert url(world) in owner_page
    admin_page = page_text(world.client_for(world.admin).get(f"/t/{world.tenant.slug}/billing/?month=2026-10"))
    assert statement.number not in admin_page
    assert url(world) not in admin_page


def test_the_plan_table_shows_margins_and_included_messages(world):
    text = page_text(world.client_for(world.owner).get(f"/t/{world.tenant.slug}/billing/"))
    assert "at cost + 20%" in text
    assert "Template messages included a month" in text
    assert "10000" in text or "10,000" in text


def test_an_empty_list_says_when_the_first_statement_comes(world):
    text = page_text(world.client_for(world.owner).get(url(world)))
    assert "No statement yet" in text
