"""The usage page (owners and admins), the reconciliation page, the owner's budget and rate card
forms, the broadcast form's expected cost, and the usage and estimate API."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKeyScope
from billing import selectors
from inbox.models import Contact
from inbox.selectors import with_wa_id
from tests.accounts.factories import api_key_for
from tests.billing.factories import BillableEventFactory
from tests.conftest import page_text
from tests.inbox.factories import ContactFactory, ConversationFactory
from tests.templates_mgmt.factories import MessageTemplateFactory
from tests.whatsapp.conftest import connect_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shipped_cards")]


@pytest.fixture
def usage(world, other_tenant):
    """This month: two charged marketing messages to Germany, a free utility one to Brazil; the other
    tenant's own spending."""
    now = timezone.now()
    BillableEventFactory.create(tenant=world.tenant, occurred_at=now)
    BillableEventFactory.create(tenant=world.tenant, occurred_at=now)
    BillableEventFactory.create(
        tenant=world.tenant,
        occurred_at=now,
        recipient="5511987654321",
        country="BR",
        category="utility",
        charge="free_customer_service",
        our_charge="regular",
        meta_pricing={"pricing_model": "PMP", "type": "free_customer_service", "category": "utility"},
        amount=Decimal(0),
    )
    BillableEventFactory.create(tenant=other_tenant.tenant, occurred_at=now, recipient="447700900999", country="GB")


def url(world, name="billing/"):
    return f"/t/{world.tenant.slug}/{name}"


def test_agents_are_refused_usage(world):
    assert world.client_for(world.agent).get(url(world)).status_code == 403


def test_an_owner_sees_spend_charts_budget_and_rate_cards(world, usage):
    response = world.client_for(world.owner).get(url(world))
    assert response.status_code == 200
    text = page_text(response)
    assert "0.27 USD" in text  # 2 × 0.1365
    assert "Monthly budget" in text
    assert "Upload the rate card" in text
    assert "Meta priced 1 event differently from our rules." in text
    assert "447700900999" not in text
    charts = [ET.fromstring(svg) for svg in response.context["charts"].values() if svg]  # noqa: S314 (our own)
    assert len(charts) == 4
    assert [row.key for row in response.context["usage"].by_country] == ["BR", "DE"]


def test_the_month_adds_up_day_by_day_against_the_budget(world, usage):
    client = world.client_for(world.owner)
    client.post(url(world, "billing/budget/"), {"monthly_amount": "5.00"})
    svg = client.get(url(world)).context["charts"]["against_budget"]
    chart = ET.fromstring(svg)  # noqa: S314 (our own)
    text = " ".join(chart.itertext())
    assert "Spent (USD)" in text
    assert "Budget" in text
    assert "0.273" in text  # the month so far: 2 × 0.1365


def test_without_a_budget_or_spending_there_is_no_budget_chart(world):
    assert world.client_for(world.owner).get(url(world)).context["charts"]["against_budget"] is None


def test_an_admin_sees_usage_but_not_the_owners_forms(world, usage):
    response = world.client_for(world.admin).get(url(world))
    assert response.status_code == 200
    text = page_text(response)
    assert "Spent this month" in text
    assert "Monthly budget" not in text
    assert "Upload the rate card" not in text
    assert world.client_for(world.admin).post(url(world, "billing/budget/"), {"monthly_amount": "5"}).status_code == 403
    assert selectors.budget_of(tenant_id=world.tenant.pk) is None


def test_a_bad_month_is_explained(world):
    response = world.client_for(world.owner).get(url(world) + "?month=2026-13")
    assert response.status_code == 400
    assert "YYYY-MM" in page_text(response)


def test_an_earlier_month_shows_its_own_figures(world, usage):
    BillableEventFactory.create(tenant=world.tenant, occurred_at=timezone.now() - timedelta(days=62), amount=Decimal(2))
    month = (timezone.now() - timedelta(days=62)).strftime("%Y-%m")
    response = world.client_for(world.owner).get(url(world) + f"?month={month}")
    assert response.context["usage"].total == Decimal(2)
    assert "The monthly budget is spent" not in page_text(response)


def test_the_owner_sets_the_budget_and_sees_it_against_spend(world, usage):
    client = world.client_for(world.owner)
    response = client.post(url(world, "billing/budget/"), {"monthly_amount": "0.25"}, follow=True)
    text = page_text(response)
    assert "The monthly budget is now 0.25 USD." in text
    assert "The monthly budget is spent" in text
    response = client.post(url(world, "billing/budget/"), {"monthly_amount": "-3"}, follow=True)
    assert "greater than or equal to 0.01" in page_text(response)
    assert selectors.budget_of(tenant_id=world.tenant.pk).monthly_amount == Decimal("0.25")


def test_the_reconciliation_lists_where_meta_and_we_differ(world, usage):
    response = world.client_for(world.admin).get(url(world, "billing/reconciliation/"))
    assert response.status_code == 200
    events = response.context["events"]
    assert [(e.country, e.charge, e.our_charge) for e in events] == [("BR", "free_customer_service", "regular")]


CARD = "# model: PMP\n# effective_from: 2026-01-01\n# currency: USD\n# source: our provider, Dec 2025\n"


def upload(world, text: str):
    file = SimpleUploadedFile("card.csv", text.encode(), content_type="text/csv")
    return world.client_for(world.owner).post(url(world, "billing/rate-card/"), {"file": file}, follow=True)


def test_an_owners_rate_card_with_errors_lists_them_by_row_and_changes_nothing(world):
    before = len(selectors.rate_cards(tenant_id=world.tenant.pk))
    response = upload(world, CARD + "country,category,volume_from,price\nDE,marketing,0,0.1\nXX1,utility,0,x\n")
    assert response.status_code == 400
    text = page_text(response)
    assert "nothing was applied" in text
    assert "“XX1” is not a two-letter country code" in text
    assert response.context["rows"][0]["row"] == 7
    assert len(selectors.rate_cards(tenant_id=world.tenant.pk)) == before


def test_an_owners_valid_rate_card_is_used_from_its_date(world):
    response = upload(world, CARD + "country,category,volume_from,price\nDE,marketing,0,0.1\n")
    assert "Your PMP rate card from" in page_text(response)
    cards = selectors.rate_cards(tenant_id=world.tenant.pk)
    assert [(c.pricing_model, c.tenant_id is not None) for c in cards if c.effective_from.year == 2026][-1] == (
        "PMP",
        True,
    )


def test_an_admin_cannot_upload_a_rate_card(world):
    file = SimpleUploadedFile("card.csv", CARD.encode(), content_type="text/csv")
    response = world.client_for(world.admin).post(url(world, "billing/rate-card/"), {"file": file})
    assert response.status_code == 403


@pytest.fixture
def number(world):
    number = connect_number(world)
    MessageTemplateFactory.create(number=number, name="spring_offer", category="MARKETING")
    MessageTemplateFactory.create(number=number, name="order_update", category="UTILITY")
    # A German customer who came from an ad an hour ago: inside the window and a free entry point.
    contact = ContactFactory.create(tenant=world.tenant, wa_id="4915100000001")
    ConversationFactory.create(
        channel=number.channel,
        contact=contact,
        last_inbound_at=timezone.now() - timedelta(hours=1),
        entry_point_expires_at=timezone.now() + timedelta(hours=71),
    )
    return number


RECIPIENTS = ["+49 151 00000001", "+49 151 00000002", "+91 98765 43210", "12"]


def test_the_broadcast_form_shows_the_expected_cost_by_country(world, number):
    utility = MessageTemplateFactory._meta.model.objects.for_tenant(world.tenant).get(name="order_update")
    csv_file = SimpleUploadedFile("list.csv", ("phone,1,2\n" + "\n".join(f"{p},a,b" for p in RECIPIENTS)).encode())
    response = world.client_for(world.agent).post(
        url(world, "broadcasts/estimate/"), {"template": utility.pk, "file": csv_file}
    )
    assert response.status_code == 200
    estimate = response.context["estimate"]
    assert (estimate.recipients, estimate.charged, estimate.free, estimate.unpriced) == (4, 2, 1, 1)
    assert estimate.total == Decimal("0.0550") + Decimal("0.0014")
    assert "Expected cost" in page_text(response)


def test_the_broadcast_form_without_a_file_shows_no_estimate(world, number):
    response = world.client_for(world.agent).post(url(world, "broadcasts/estimate/"), {})
    assert response.status_code == 200
    assert response.context["estimate"] is None


def test_the_broadcast_page_asks_for_the_estimate_when_the_form_changes(world, number):
    text = world.client_for(world.agent).get(url(world, "broadcasts/new/")).content.decode()
    assert f'hx-post="/t/{world.tenant.slug}/broadcasts/estimate/"' in text
    assert 'id="broadcast-estimate"' in text


# --- API ----------------------------------------------------------------------------------------


def test_the_usage_api_gives_the_month_by_category_and_country(world, usage):
    response = world.api_client().get("/api/v1/usage/", {"month": timezone.now().strftime("%Y-%m")})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["events"], body["charged"], body["currency"]) == ("0.2730", 3, 2, "USD")
    assert {row["key"]: row["amount"] for row in body["by_category"]} == {"marketing": "0.2730", "utility": "0.0000"}
    assert [row["key"] for row in body["by_country"]] == ["BR", "DE"]
    assert [(r["category"], r["country"], r["number"], r["pricing_model"], r["events"]) for r in body["daily"]] == [
        ("marketing", "DE", "15550783881", "PMP", 2),
        ("utility", "BR", "15550783881", "PMP", 1),
    ]


@pytest.mark.parametrize("month", ["2026-13", "2026", "26-01", "abcd-ef"])
def test_the_usage_api_refuses_a_bad_month(world, month):
    response = world.api_client().get("/api/v1/usage/", {"month": month})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_month")


def test_the_usage_api_is_for_admin_keys(world):
    _key, secret = api_key_for(world.tenant, scope=ApiKeyScope.WRITE)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/usage/").status_code == 403


def test_the_estimate_api_prices_a_template_to_a_list(world, number):
    body = {"template": {"name": "spring_offer", "language": {"code": "en_US"}}, "to": RECIPIENTS}
    response = world.api_client().post("/api/v1/usage/estimate/", body, format="json")
    assert response.status_code == 200, response.content
    result = response.json()
    # The customer from the ad is free; the others are charged at their country's marketing rate.
    assert (result["category"], result["charged"], result["free"], result["unpriced"]) == ("marketing", 2, 1, 1)
    assert Decimal(result["total"]) == Decimal("0.1365") + Decimal("0.0118")
    assert [(row["country"], row["recipients"]) for row in result["by_country"]] == [("DE", 2), ("IN", 1)]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"template": {"name": "nope", "language": {"code": "en_US"}}, "to": ["+4915100000001"]},
            404,
            "template_not_found",
        ),
        ({"template": {"name": "spring_offer", "language": {"code": "en_US"}}, "to": []}, 400, "validation_error"),
        ({"template": {"name": "spring_offer"}, "to": ["+4915100000001"]}, 400, "validation_error"),
        (
            {"number": 999999, "template": {"name": "spring_offer", "language": {"code": "en_US"}}, "to": ["1"]},
            404,
            "not_found",
        ),
    ],
)
def test_the_estimate_api_explains_bad_requests(world, number, body, status, code):
    response = world.api_client().post("/api/v1/usage/estimate/", body, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def test_the_composers_template_picker_shows_what_each_template_would_cost(world, number):
    stranger = ConversationFactory.create(channel=number.channel, contact__wa_id="4915100000002")
    from_ad = ConversationFactory._meta.model.objects.for_tenant(world.tenant).get(
        contact__in=Contact.objects.for_tenant(world.tenant).filter(
            with_wa_id("4915100000001", tenant_id=world.tenant.pk)
        )
    )
    client = world.client_for(world.agent)
    text = page_text(client.get(url(world, f"inbox/{stranger.pk}/")))
    assert "spring_offer (en_US) · marketing · 0.1365 USD" in text
    assert "order_update (en_US) · utility · 0.055 USD" in text
    text = page_text(client.get(url(world, f"inbox/{from_ad.pk}/")))
    assert "spring_offer (en_US) · marketing · free" in text
