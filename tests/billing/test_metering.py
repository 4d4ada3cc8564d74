"""Metering: every billable event recorded once, Meta's pricing the authority, our rules otherwise;
free tiers, conversations spanning midnight and month end, the July 2025 switch, countries missing
from the card, and status webhooks through the real view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from billing import selectors
from billing.models import BillableEvent
from billing.services import events_record, rate_card_upload
from inbox.models import MessageStatus
from tests.billing.factories import metered
from tests.inbox.factories import MessageFactory
from tests.templates_mgmt.factories import MessageTemplateFactory
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number, post_webhook
from whatsapp.services import ingest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shipped_cards")]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def events(world) -> list[BillableEvent]:
    with tenant_scope(world.tenant):
        return list(BillableEvent.objects.order_by("occurred_at", "id"))


def record(world, *messages):
    return events_record(tenant_id=world.tenant.pk, messages=list(messages), now=timezone.now())


def test_a_delivered_template_is_priced_by_our_rules_when_meta_says_nothing(world):
    record(world, metered(at=at("2025-08-04 10:00")))
    [event] = events(world)
    assert (event.pricing_model, event.category, event.charge, event.country) == ("PMP", "marketing", "regular", "DE")
    assert (event.amount, event.currency) == (Decimal("0.1365"), "USD")
    assert event.meta_pricing is None
    assert not event.differs_from_meta


def test_the_same_message_recorded_twice_is_one_event(world, other_tenant):
    message = metered(at=at("2025-08-04 10:00"))
    record(world, message, message)
    record(world, message)
    # Another tenant's message with the same provider id is its own event.
    events_record(tenant_id=other_tenant.tenant.pk, messages=[message], now=timezone.now())
    assert len(events(world)) == 1
    assert len(events(other_tenant)) == 1


def test_metas_pricing_is_the_authority_and_the_difference_is_listed(world):
    # After 1 Oct 2026 our rules charge a utility template inside the window; this webhook says free.
    pricing = {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": "utility"}
    record(
        world,
        metered(
            at=at("2026-11-03 09:00"), template_category="UTILITY", inside_service_window=True, meta_pricing=pricing
        ),
        metered(at=at("2026-11-03 09:05"), template_category="UTILITY", inside_service_window=False),
    )
    free, charged = events(world)
    assert (free.charge, free.amount, free.our_charge) == ("free_customer_service", Decimal(0), "regular")
    assert (charged.charge, charged.amount) == ("regular", Decimal("0.0550"))
    assert selectors.reconciliation(tenant_id=world.tenant.pk, month=date(2026, 11, 1)) == [free]


def test_the_1000th_service_conversation_of_a_month_is_free_and_the_1001st_charged(world):
    first = [
        metered(
            at=at("2024-03-01 08:00") + timedelta(minutes=i),
            template_category="",
            meta_conversation={"id": f"conv-{i}"},
            recipient=f"49151{i:08d}",
        )
        for i in range(999)
    ]
    record(world, *first)
    later = [
        metered(at=at("2024-03-20 08:00"), template_category="", meta_conversation={"id": "conv-1000"}),
        metered(at=at("2024-03-20 09:00"), template_category="", meta_conversation={"id": "conv-1001"}),
        # A new month starts a new free tier.
        metered(at=at("2024-04-01 00:00"), template_category="", meta_conversation={"id": "conv-april"}),
    ]
    record(world, *later)
    found = events(world)
    assert len(found) == 1002
    assert {e.charge for e in found[:999]} == {"free_tier"}
    thousandth, thousand_and_first, april = found[999:]
    assert (thousandth.charge, thousandth.amount) == ("free_tier", Decimal(0))
    assert (thousand_and_first.charge, thousand_and_first.amount) == ("regular", Decimal("0.0598"))
    assert (april.charge, april.amount) == ("free_tier", Decimal(0))
    march = selectors.usage(tenant_id=world.tenant.pk, month=date(2024, 3, 1))
    assert (march.events, march.charged, march.total) == (1001, 1, Decimal("0.0598"))


@pytest.mark.parametrize("with_meta_conversation", [True, False])
def test_a_conversation_spanning_midnight_and_month_end_is_billed_once_in_the_month_it_opened(
    world, with_meta_conversation
):
    conversation = {"id": "conv-jan"} if with_meta_conversation else None
    pricing = {"billable": True, "pricing_model": "CBP", "category": "marketing"} if with_meta_conversation else None
    record(world, metered(at=at("2024-01-31 23:30"), meta_conversation=conversation, meta_pricing=pricing))
    record(world, metered(at=at("2024-02-01 00:10"), meta_conversation=conversation, meta_pricing=pricing))
    [event] = events(world)
    assert (event.occurred_at, event.pricing_model, event.amount) == (at("2024-01-31 23:30"), "CBP", Decimal("0.1365"))
    assert selectors.usage(tenant_id=world.tenant.pk, month=date(2024, 2, 1)).events == 0
    # 24 hours after it opened, a new conversation (and a new charge) begins.
    record(world, metered(at=at("2024-02-01 23:30")))
    assert selectors.usage(tenant_id=world.tenant.pk, month=date(2024, 2, 1)).total == Decimal("0.1365")


def test_the_july_2025_switch_bills_each_event_under_its_own_model(world):
    record(
        world,
        metered(at=at("2025-06-30 22:00"), template_category="UTILITY"),  # opens a CBP utility conversation
        metered(at=at("2025-07-01 09:00"), template_category="UTILITY"),  # still inside it: not billed again
        metered(at=at("2025-07-01 23:00"), template_category="UTILITY"),  # per message from here on
        metered(at=at("2025-07-02 10:00"), template_category="UTILITY", inside_service_window=True),  # free
    )
    found = events(world)
    assert [(e.pricing_model, e.charge, e.amount) for e in found] == [
        ("CBP", "regular", Decimal("0.0789")),
        ("PMP", "regular", Decimal("0.0550")),
        ("PMP", "free_customer_service", Decimal(0)),
    ]
    july = selectors.usage(tenant_id=world.tenant.pk, month=date(2025, 7, 1))
    assert [(row.key, row.events) for row in july.by_model] == [("PMP", 2)]
    june = selectors.usage(tenant_id=world.tenant.pk, month=date(2025, 6, 1))
    assert [(row.key, row.events) for row in june.by_model] == [("CBP", 1)]


@pytest.mark.parametrize(
    ("when", "category", "expected"),
    [
        # Conversation-based: a template inside the customer's window opens its own category's
        # conversation, charged, utility and marketing alike.
        ("2024-03-12 10:00", "UTILITY", ("CBP", "utility", "regular", Decimal("0.0789"))),
        ("2024-03-12 10:00", "MARKETING", ("CBP", "marketing", "regular", Decimal("0.1365"))),
        # Per message: a utility template inside the window is free, a marketing one charged.
        ("2025-08-12 10:00", "UTILITY", ("PMP", "utility", "free_customer_service", Decimal(0))),
        ("2025-08-12 10:00", "MARKETING", ("PMP", "marketing", "regular", Decimal("0.1365"))),
        # From 1 Oct 2026 the in-window utility template is charged, at the base rate.
        ("2026-10-12 10:00", "UTILITY", ("PMP", "utility", "regular", Decimal("0.0550"))),
    ],
)
def test_a_template_inside_an_open_window_under_each_model(world, when, category, expected):
    record(world, metered(at=at(when), template_category=category, inside_service_window=True))
    [event] = events(world)
    assert (event.pricing_model, event.category, event.charge, event.amount) == expected


OWN_CARD = b"# model: PMP\n# effective_from: 2025-07-01\n# currency: USD\n# source: our provider, June 2025\n"


def test_a_country_missing_from_the_card_is_kept_with_a_clear_error_and_priced_once_a_card_covers_it(world):
    owner = Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)
    card = OWN_CARD + b"country,category,volume_from,price\nDE,marketing,0,0.1200\n"
    rate_card_upload(actor=owner, filename="own.csv", content=card, now=timezone.now())
    record(world, metered(at=at("2025-08-04 10:00"), recipient="5511987654321"))
    [event] = events(world)
    assert (event.amount, event.price_error, event.country) == (None, "country_not_on_card", "BR")
    assert "no marketing price for BR" in event.price_error_message
    assert selectors.usage(tenant_id=world.tenant.pk, month=date(2025, 8, 1)).unpriced == 1
    fixed = card + b"BR,marketing,0,0.0625\n"
    rate_card_upload(actor=owner, filename="own.csv", content=fixed, now=timezone.now())
    [event] = events(world)
    assert (event.amount, event.price_error) == (Decimal("0.0625"), "")


def test_volume_tiers_count_the_months_charged_messages(world):
    owner = Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)
    card = OWN_CARD + b"country,category,volume_from,price\nDE,utility,0,0.05\nDE,utility,2,0.04\n"
    rate_card_upload(actor=owner, filename="tiers.csv", content=card, now=timezone.now())
    record(
        world,
        *(metered(at=at("2025-08-04 10:00") + timedelta(minutes=i), template_category="UTILITY") for i in range(2)),
    )
    record(world, metered(at=at("2025-08-05 10:00"), template_category="UTILITY"))
    record(world, metered(at=at("2025-09-01 10:00"), template_category="UTILITY"))  # a new month
    assert [e.amount for e in events(world)] == [Decimal("0.05"), Decimal("0.05"), Decimal("0.04"), Decimal("0.05")]


# --- through the webhook ------------------------------------------------------------------------


@pytest.fixture
def sent_template(world):
    number = connect_number(world)
    MessageTemplateFactory.create(number=number, name="spring_offer", category="MARKETING")
    return MessageFactory.create(
        conversation__channel=number.channel,
        conversation__contact__wa_id="4915112345678",
        direction="out",
        type="template",
        content={"type": "template", "template": {"name": "spring_offer", "language": {"code": "en_US"}}},
        status=MessageStatus.ACCEPTED,
        provider_message_id=payloads.make_wamid("4915112345678", outbound=True),
    )


def status_webhook(message, status, *, pricing=None):
    item = payloads.status(
        wamid=message.provider_message_id, status=status, recipient_id="4915112345678", pricing=pricing
    )
    return payloads.to_bytes(payloads.envelope(statuses=[item]))


PMP_MARKETING = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "marketing"}


def test_duplicate_status_webhooks_are_counted_once(world, sent_template):
    delivered = status_webhook(sent_template, "delivered", pricing=PMP_MARKETING)
    for body in (status_webhook(sent_template, "sent", pricing=PMP_MARKETING), delivered, delivered):
        assert post_webhook(body).status_code == 200
    ingest.drain()
    assert post_webhook(delivered).status_code == 200
    assert post_webhook(status_webhook(sent_template, "read")).status_code == 200
    ingest.drain()
    [event] = events(world)
    assert event.provider_message_id == sent_template.provider_message_id
    assert (event.category, event.charge, event.country, event.amount) == (
        "marketing",
        "regular",
        "DE",
        Decimal("0.1365"),
    )
    assert event.meta_pricing == PMP_MARKETING
    assert event.display_phone_number == payloads.DISPLAY_PHONE_NUMBER


def test_a_message_only_sent_is_not_billed_and_an_inbound_one_never(world, sent_template):
    assert post_webhook(status_webhook(sent_template, "sent", pricing=PMP_MARKETING)).status_code == 200
    assert post_webhook(status_webhook(sent_template, "failed")).status_code == 200
    ingest.drain()
    assert events(world) == []
