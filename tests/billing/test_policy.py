"""WhatsApp's pricing rules, as tables of priced cases: regimes by date, free tiers, windows,
entry points, volume tiers, rate card files and estimates. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from billing.policy import (
    REST_OF_WORLD,
    Card,
    Category,
    Charge,
    Classification,
    EventFacts,
    PricingError,
    PricingModel,
    PricingProblem,
    RateLine,
    Recipient,
    card_for,
    classify,
    classify_from_meta,
    country_of,
    estimate,
    month_of,
    opens_conversation,
    parse_card,
    price,
    regime_at,
)

CBP, PMP = PricingModel.CONVERSATION, PricingModel.PER_MESSAGE
M, U, A, S = Category.MARKETING, Category.UTILITY, Category.AUTHENTICATION, Category.SERVICE
REG, FCS, FEP, TIER = Charge.REGULAR, Charge.FREE_CUSTOMER_SERVICE, Charge.FREE_ENTRY_POINT, Charge.FREE_TIER
SHIPPED = Path(__file__).resolve().parents[2] / "billing" / "rate_cards"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (when, category, template?, in window, in entry point, free-tier conversations used) -> (model, charge)
CLASSIFY_CASES = [
    # Before June 2023: the first 1,000 conversations of any category a month are free.
    ("2023-03-10 12:00", M, True, False, False, 999, CBP, TIER),
    ("2023-03-10 12:00", M, True, False, False, 1000, CBP, REG),
    # June 2023 - Oct 2024: 1,000 free *service* conversations a month; the 1,000th free, the 1,001st charged.
    ("2024-03-10 12:00", S, False, True, False, 999, CBP, TIER),
    ("2024-03-10 12:00", S, False, True, False, 1000, CBP, REG),
    ("2024-03-10 12:00", M, True, False, False, 0, CBP, REG),
    ("2024-03-10 12:00", U, True, True, False, 0, CBP, REG),  # CBP: a utility template in the window is charged
    ("2024-10-31 23:59", S, False, True, False, 5000, CBP, REG),
    # From 1 Nov 2024 all service conversations are free.
    ("2024-11-01 00:00", S, False, True, False, 5000, CBP, FCS),
    ("2025-06-30 23:59", U, True, True, False, 0, CBP, REG),
    # 1 Jul 2025: per-message pricing; utility templates inside an open window are free.
    ("2025-07-01 00:00", U, True, True, False, 0, PMP, FCS),
    ("2025-07-01 00:00", U, True, False, False, 0, PMP, REG),
    ("2025-07-01 00:00", M, True, True, False, 0, PMP, REG),  # marketing in the window is charged
    ("2025-07-01 00:00", A, True, False, False, 0, PMP, REG),
    ("2025-09-15 08:00", S, False, True, False, 0, PMP, FCS),
    # Free entry point: everything free, in every regime.
    ("2024-03-10 12:00", M, True, False, True, 5000, CBP, FEP),
    ("2025-09-15 08:00", M, True, False, True, 0, PMP, FEP),
    ("2026-11-02 08:00", S, False, True, True, 0, PMP, FEP),
    # 1 Oct 2026: service messages and in-window utility templates are charged.
    ("2026-09-30 23:59", U, True, True, False, 0, PMP, FCS),
    ("2026-10-01 00:00", U, True, True, False, 0, PMP, REG),
    ("2026-10-01 00:00", S, False, True, False, 0, PMP, REG),
    ("2026-10-01 00:00", M, True, False, False, 0, PMP, REG),
]


@pytest.mark.parametrize(("when", "category", "template", "window", "entry", "used", "model", "charge"), CLASSIFY_CASES)
def test_events_are_classified_by_the_regime_of_their_own_time(  # noqa: PLR0917 (a table's columns)
    when, category, template, window, entry, used, model, charge
):
    facts = EventFacts(
        occurred_at=at(when),
        category=category,
        is_template=template,
        inside_service_window=window,
        inside_entry_point=entry,
        free_tier_used=used,
    )
    result = classify(facts)
    assert (result.model, result.charge) == (model, charge)


def test_a_non_template_message_is_service_whatever_category_it_was_given():
    facts = EventFacts(
        at("2025-08-01 10:00"), M, is_template=False, inside_service_window=True, inside_entry_point=False
    )
    assert classify(facts).category == S


def test_the_regime_is_chosen_in_utc_whatever_the_offset_of_the_time():
    paris_summer = timezone(timedelta(hours=2))
    before_switch = datetime(2025, 7, 1, 1, 30, tzinfo=paris_summer)  # 30 Jun 23:30 UTC
    assert regime_at(before_switch).model == CBP
    assert regime_at(before_switch + timedelta(minutes=30)).model == PMP
    assert month_of(before_switch) == date(2025, 6, 1)


def test_only_utility_and_authentication_have_volume_tiers_and_not_from_october_2026_in_the_window():
    def tiered(when, category, window):
        return classify(EventFacts(at(when), category, True, window, False)).tiered

    assert tiered("2025-08-01 10:00", U, False)
    assert tiered("2025-08-01 10:00", A, False)
    assert not tiered("2025-08-01 10:00", M, False)
    assert not tiered("2024-08-01 10:00", U, False)  # CBP has no tiers
    assert tiered("2026-10-05 10:00", U, False)
    assert not tiered("2026-10-05 10:00", U, True)


@pytest.mark.parametrize(
    ("previous", "now", "opens"),
    [
        (None, "2024-01-31 23:30", True),
        ("2024-01-31 23:30", "2024-02-01 00:10", False),  # spans midnight and month end: same conversation
        ("2024-01-31 23:30", "2024-02-01 23:29", False),
        ("2024-01-31 23:30", "2024-02-01 23:30", True),  # 24 h later: a new one
    ],
)
def test_a_conversation_lasts_24_hours_from_its_first_message(previous, now, opens):
    assert opens_conversation(previous_opened_at=at(previous) if previous else None, at=at(now)) is opens


@pytest.mark.parametrize(
    ("phone", "country"),
    [
        ("4915112345678", "DE"),
        ("+33 6 12 34 56 78", "FR"),
        ("447700900123", "GB"),
        ("16505551234", "US"),
        ("14165551234", "CA"),
        ("919876543210", "IN"),
        ("5511987654321", "BR"),
        ("not a number", ""),
        ("999", ""),
        ("80012345678", ""),  # +800, international freephone: no country
        ("", ""),
    ],
)
def test_the_country_comes_from_the_phone_number(phone, country):
    assert country_of(phone) == country


CARD = Card(
    model=PMP,
    effective_from=date(2025, 7, 1),
    currency="USD",
    lines=(
        RateLine("DE", M, Decimal("0.1365")),
        RateLine("DE", U, Decimal("0.0550")),
        RateLine("DE", U, Decimal("0.0523"), volume_from=100_000),
        RateLine("DE", A, Decimal("0.0550")),
        RateLine(REST_OF_WORLD, M, Decimal("0.0604")),
        RateLine(REST_OF_WORLD, U, Decimal("0.0077")),
    ),
)
OCT_2026 = Card(model=PMP, effective_from=date(2026, 10, 1), currency="USD", lines=CARD.lines)


def charged(category: Category, *, when: str = "2025-08-01 10:00", window: bool = False) -> Classification:
    return classify(EventFacts(at(when), category, category != S, window, False))


@pytest.mark.parametrize(
    ("classification", "card", "country", "volume", "expected"),
    [
        (charged(M), CARD, "DE", 0, "0.1365"),
        (charged(U), CARD, "DE", 0, "0.0550"),
        (charged(U), CARD, "DE", 99_999, "0.0550"),
        (charged(U), CARD, "DE", 100_000, "0.0523"),  # the volume tier
        (charged(M), CARD, "DE", 500_000, "0.1365"),  # marketing has no tiers
        (charged(M), CARD, "JP", 0, "0.0604"),  # not on the card: rest of world
        (charged(U, window=True), CARD, "DE", 0, "0"),  # free in the window until Oct 2026
        (charged(S), CARD, "DE", 0, "0"),
        (charged(U, when="2026-10-02 10:00", window=True), OCT_2026, "DE", 200_000, "0.0550"),  # no tiers
        (charged(S, when="2026-10-02 10:00"), OCT_2026, "DE", 200_000, "0.0550"),  # at the utility rate
        (charged(U, when="2026-10-02 10:00"), OCT_2026, "DE", 200_000, "0.0523"),
    ],
)
def test_prices_come_from_the_card(classification, card, country, volume, expected):
    assert price(classification, card, country=country, volume_used=volume) == Decimal(expected)


def test_a_country_missing_from_a_card_without_rest_of_world_is_a_clear_error():
    card = Card(model=PMP, effective_from=date(2025, 7, 1), currency="USD", lines=(RateLine("DE", M, Decimal("0.1")),))
    with pytest.raises(PricingError) as raised:
        price(charged(M), card, country="BR")
    assert raised.value.problem == PricingProblem.COUNTRY_NOT_ON_CARD
    assert "no marketing price for BR" in raised.value.message


def test_an_unknown_country_is_a_clear_error_even_with_a_rest_of_world_price():
    with pytest.raises(PricingError) as raised:
        price(charged(M), CARD, country="")
    assert raised.value.problem == PricingProblem.COUNTRY_UNKNOWN


def test_the_card_in_force_is_the_newest_of_the_model_and_a_tenants_own_wins_on_the_same_date():
    own = Card(model=PMP, effective_from=date(2025, 7, 1), currency="EUR", lines=(), own=True)
    cards = [CARD, OCT_2026, own]
    assert card_for(cards, model=PMP, at=at("2025-06-30 23:00")) is None
    assert card_for(cards, model=PMP, at=at("2025-07-01 00:00")) is own
    assert card_for(cards, model=PMP, at=at("2026-10-01 00:00")) is OCT_2026
    assert card_for(cards, model=CBP, at=at("2026-10-01 00:00")) is None


@pytest.mark.parametrize(
    ("pricing", "when", "expected"),
    [
        (
            {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "marketing"},
            "2025-08-01",
            (PMP, M, REG),
        ),
        ({"pricing_model": "PMP", "type": "free_customer_service", "category": "utility"}, "2025-08-01", (PMP, U, FCS)),
        ({"pricing_model": "PMP", "type": "free_entry_point", "category": "marketing"}, "2025-08-01", (PMP, M, FEP)),
        ({"pricing_model": "PMP", "type": "regular", "category": "marketing_lite"}, "2025-08-01", (PMP, M, REG)),
        (
            {"pricing_model": "PMP", "type": "regular", "category": "authentication_international"},
            "2025-08-01",
            (PMP, A, REG),
        ),
        # Before `type` existed: `billable: false` was the free tier, or a free service conversation from Nov 2024.
        ({"billable": False, "pricing_model": "CBP", "category": "service"}, "2024-03-01", (CBP, S, TIER)),
        ({"billable": False, "pricing_model": "CBP", "category": "service"}, "2024-12-01", (CBP, S, FCS)),
        ({"billable": False, "pricing_model": "CBP", "category": "referral_conversion"}, "2024-12-01", (CBP, S, FEP)),
        ({"billable": True, "pricing_model": "CBP", "category": "utility"}, "2024-12-01", (CBP, U, REG)),
    ],
)
def test_metas_pricing_object_is_read_as_meta_means_it(pricing, when, expected):
    ours = charged(M, when=f"{when} 10:00")
    result = classify_from_meta(pricing, ours=ours, at=at(f"{when} 10:00"))
    assert (result.model, result.category, result.charge) == expected


def test_the_shipped_cards_are_valid_and_cover_a_dozen_countries_and_the_rest_of_the_world():
    files = sorted(SHIPPED.glob("*.csv"))
    assert [f.name for f in files] == ["cbp_2023-06-01.csv", "pmp_2025-07-01.csv", "pmp_2026-10-01.csv"]
    for path in files:
        parsed = parse_card(path.read_text())
        assert parsed.errors == (), path.name
        assert parsed.card is not None
        assert parsed.source
        countries = {line.country for line in parsed.card.lines}
        assert len(countries - {REST_OF_WORLD}) >= 12
        assert REST_OF_WORLD in countries


GOOD_HEAD = "# model: PMP\n# effective_from: 2026-01-01\n# currency: EUR\n# source: our provider, Dec 2025\n"


def test_a_card_file_is_read_with_its_date_currency_source_and_tiers():
    parsed = parse_card(
        GOOD_HEAD + "country,category,volume_from,price\nDE,marketing,0,0.1131\nDE,utility,100000,0.04\n"
    )
    assert parsed.errors == ()
    assert parsed.card == Card(
        model=PMP,
        effective_from=date(2026, 1, 1),
        currency="EUR",
        lines=(RateLine("DE", M, Decimal("0.1131")), RateLine("DE", U, Decimal("0.04"), volume_from=100_000)),
    )
    assert parsed.source == "our provider, Dec 2025"


def test_every_bad_row_of_a_card_file_is_listed_with_its_row_and_no_card_comes_of_it():
    text = GOOD_HEAD + (
        "country,category,volume_from,price\n"
        "DE,marketing,0,0.1131\n"
        "Germany,marketing,0,0.1\n"
        "FR,promo,0,0.1\n"
        "FR,utility,-5,0.1\n"
        "FR,marketing,0,-0.1\n"
        "FR,marketing,0,abc\n"
        "DE,marketing,0,0.2\n"
        "IT,marketing\n"
    )
    parsed = parse_card(text)
    assert parsed.card is None
    rows = dict(parsed.errors)
    assert sorted(rows) == [7, 8, 9, 10, 11, 12, 13]
    assert "two-letter country code" in rows[7]
    assert "promo" in rows[8]
    assert "volume_from" in rows[9]
    assert "price" in rows[10]
    assert "price" in rows[11]
    assert "listed twice" in rows[12]
    assert "expected 4 columns" in rows[13]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("country,category,volume_from,price\nDE,marketing,0,0.1\n", "model"),
        (
            "# model: PMP\n# source: x\n# currency: USD\ncountry,category,volume_from,price\nDE,marketing,0,0.1\n",
            "effective_from",
        ),
        (
            "# model: PMP\n# effective_from: 2026-01-01\ncountry,category,volume_from,price\nDE,marketing,0,0.1\n",
            "source",
        ),
        (GOOD_HEAD.replace("EUR", "EURO") + "country,category,volume_from,price\nDE,marketing,0,0.1\n", "currency"),
        (GOOD_HEAD + "land,kind,from,cost\nDE,marketing,0,0.1\n", "header"),
        (GOOD_HEAD + "country,category,volume_from,price\n", "no prices"),
        ("", "model"),
    ],
)
def test_a_card_file_without_its_metadata_or_prices_is_refused(text, error):
    parsed = parse_card(text)
    assert parsed.card is None
    assert any(error in message for _row, message in parsed.errors)


def test_an_estimate_prices_each_recipient_by_country_and_window():
    recipients = [
        Recipient("4915112345678"),
        Recipient("4915112345679"),
        Recipient("4915112345670", inside_service_window=True),  # utility in the window: free
        Recipient("81312345678"),  # Japan: rest of world
        Recipient("4915112345671", inside_entry_point=True),
        Recipient("garbage"),
    ]
    result = estimate(cards=[CARD], category=U, recipients=recipients, at=at("2025-08-01 10:00"))
    assert (result.recipients, result.charged, result.free, result.unpriced) == (6, 3, 2, 1)
    assert result.total == Decimal("0.0550") * 2 + Decimal("0.0077")
    assert [(row.country, row.recipients, row.charged, row.amount) for row in result.by_country] == [
        ("DE", 4, 2, Decimal("0.1100")),
        ("JP", 1, 1, Decimal("0.0077")),
    ]


def test_an_estimate_of_marketing_charges_inside_the_window_too():
    result = estimate(
        cards=[CARD],
        category=M,
        recipients=[Recipient("4915112345678", inside_service_window=True)],
        at=at("2025-08-01"),
    )
    assert (result.charged, result.total) == (1, Decimal("0.1365"))


def test_an_estimate_without_a_card_in_force_prices_nothing_and_says_so():
    result = estimate(cards=[OCT_2026], category=M, recipients=[Recipient("4915112345678")], at=at("2025-08-01"))
    assert (result.charged, result.unpriced, result.total) == (0, 1, Decimal(0))
