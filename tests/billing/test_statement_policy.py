"""The pure rules of statements: VAT by the customer's country, the exchange rate in force, WhatsApp
usage converted with the plan's margin less its included messages, and the totals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from billing import plans, policy, selectors
from billing.policy import (
    Category,
    ChargedUse,
    ExchangeRate,
    VatDecision,
    VatTreatment,
    exchange_rate_for,
    parse_exchange_rates,
    parse_vat_rates,
    statement_number,
    statement_totals,
    usage_lines,
    vat_decision,
)

RATES = policy.VatRates(
    rates={"DE": Decimal(19), "FR": Decimal(20), "AT": Decimal(20), "FI": Decimal("25.5")},
    as_of=date(2025, 8, 1),
    source="test",
)
D = Decimal


@pytest.mark.parametrize(
    ("seller", "country", "vat_id", "expected"),
    [
        # Domestic: the seller's rate, VAT id or not.
        ("DE", "DE", "", (VatTreatment.DOMESTIC, "DE", D(19))),
        ("DE", "DE", "DE123456789", (VatTreatment.DOMESTIC, "DE", D(19))),
        ("DE", "de", "", (VatTreatment.DOMESTIC, "DE", D(19))),
        # No country given yet: charged as domestic, never left without VAT.
        ("DE", "", "", (VatTreatment.DOMESTIC, "DE", D(19))),
        # Another EU country with a VAT id: reverse charge.
        ("DE", "FR", "FR12345678901", (VatTreatment.REVERSE_CHARGE, "FR", D(0))),
        ("DE", "FI", " FI12345678 ", (VatTreatment.REVERSE_CHARGE, "FI", D(0))),
        # ... without one: that country's rate.
        ("DE", "FR", "", (VatTreatment.EU_CONSUMER, "FR", D(20))),
        ("DE", "FI", "   ", (VatTreatment.EU_CONSUMER, "FI", D("25.5"))),
        # Outside the EU: not in scope, whether a business or not.
        ("DE", "US", "", (VatTreatment.OUTSIDE_EU, "", D(0))),
        ("DE", "CH", "CHE-123.456.789", (VatTreatment.OUTSIDE_EU, "", D(0))),
        ("DE", "GB", "GB123456789", (VatTreatment.OUTSIDE_EU, "", D(0))),
        # Another seller country: its rate is the domestic one, Germany is then another EU country.
        ("AT", "AT", "", (VatTreatment.DOMESTIC, "AT", D(20))),
        ("AT", "DE", "", (VatTreatment.EU_CONSUMER, "DE", D(19))),
        ("AT", "DE", "DE123456789", (VatTreatment.REVERSE_CHARGE, "DE", D(0))),
    ],
)
def test_vat_follows_the_customers_country_and_vat_id(seller, country, vat_id, expected):
    decision = vat_decision(seller_country=seller, buyer_country=country, buyer_vat_id=vat_id, rates=RATES)
    assert (decision.treatment, decision.country, decision.rate) == expected


def test_the_shipped_vat_rates_cover_the_27_member_states_with_their_date():
    rates = selectors.vat_rates()
    assert len(rates.rates) == 27
    assert rates.as_of == date(2025, 8, 1)
    assert "European Commission" in rates.source
    assert (rates.rates["DE"], rates.rates["FR"], rates.rates["FI"], rates.rates["RO"]) == (
        D(19),
        D(20),
        D("25.5"),
        D(21),
    )
    assert "GB" not in rates.rates


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("country,rate\nDE,19\n", "source"),
        ("# source: x\n# as_of: 2025-01-01\ncountry,percent\nDE,19\n", "header"),
        ("# source: x\n# as_of: 2025-01-01\ncountry,rate\nDEU,19\n", "two-letter"),
        ("# source: x\n# as_of: 2025-01-01\ncountry,rate\nDE\n", "columns"),
    ],
)
def test_a_malformed_vat_file_is_refused(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_vat_rates(text)


EXCHANGE = parse_exchange_rates(
    "# source: ECB\nday,currency,per_eur\n2026-10-30,USD,1.1600\n2026-11-30,USD,1.1500\n2026-11-27,GBP,0.87\n"
)


@pytest.mark.parametrize(
    ("currency", "day", "expected"),
    [
        ("USD", date(2026, 11, 30), (date(2026, 11, 30), D("1.1500"))),
        # A weekend month end: the last rate published before it.
        ("USD", date(2026, 11, 1), (date(2026, 10, 30), D("1.1600"))),
        ("USD", date(2026, 11, 9), (date(2026, 10, 30), D("1.1600"))),
        # Older than ten days: none (a stale rate is not used silently).
        ("USD", date(2026, 11, 10), None),
        # Published after the day: not used.
        ("USD", date(2026, 10, 29), None),
        ("GBP", date(2026, 11, 30), (date(2026, 11, 27), D("0.87"))),
        ("JPY", date(2026, 11, 30), None),
        ("EUR", date(2026, 11, 30), (date(2026, 11, 30), D(1))),
    ],
)
def test_the_exchange_rate_is_the_latest_published_on_or_before_the_day(currency, day, expected):
    rate = exchange_rate_for(EXCHANGE, currency=currency, day=day, max_age=timedelta(days=10))
    assert (None if rate is None else (rate.day, rate.per_eur)) == expected


def test_the_shipped_exchange_rates_name_their_source():
    rates = parse_exchange_rates(selectors.EXCHANGE_RATES_FILE.read_text(encoding="utf-8"))
    assert rates
    assert all(rate.currency == "USD" and rate.per_eur > 0 and "European Central Bank" in rate.source for rate in rates)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def use(when: str, category: Category = Category.MARKETING, country: str = "DE", cost: str = "0.125", **fields):
    values = {"currency": "USD", "margin": D(0), "may_be_included": category != Category.SERVICE, **fields}
    return ChargedUse(occurred_at=at(when), category=category, country=country, cost=D(cost), **values)


PER_EUR = {"USD": D("1.25"), "EUR": D(1)}


def summary(lines):
    return [
        (line.category.value, line.country, str(line.margin), line.count, line.included, str(line.at_cost),
         str(line.margin_amount), str(line.included_amount), str(line.amount))
        for line in lines
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("uses", "included", "expected"),
    [
        # At cost: 4 × 0.125 USD = 0.50 USD = 0.40 EUR.
        ([use("2026-11-02 10:00")] * 4, 0, [("marketing", "DE", "0", 4, 0, "0.40", "0.00", "0.00", "0.40")]),
        # With a 20 % margin.
        (
            [use("2026-11-02 10:00", margin=D("0.2"))] * 4,
            0,
            [("marketing", "DE", "0.2", 4, 0, "0.40", "0.08", "0.00", "0.48")],
        ),
        # Two included: the first two sent are deducted, margin and all.
        (
            [use("2026-11-03 10:00", cost="0.25"), use("2026-11-02 10:00"), use("2026-11-01 10:00")],
            2,
            [("marketing", "DE", "0", 3, 2, "0.40", "0.00", "0.20", "0.20")],
        ),
        # Included messages are templates: service messages (charged from Oct 2026) never are.
        (
            [use("2026-11-01 10:00", Category.SERVICE), use("2026-11-02 10:00", Category.UTILITY)],
            5,
            [
                ("utility", "DE", "0", 1, 1, "0.10", "0.00", "0.10", "0.00"),
                ("service", "DE", "0", 1, 0, "0.10", "0.00", "0.00", "0.10"),
            ],
        ),
        # An event of an earlier month, priced late, does not use this month's included messages.
        (
            [use("2026-10-31 23:00", may_be_included=False), use("2026-11-01 10:00")],
            1,
            [("marketing", "DE", "0", 2, 1, "0.20", "0.00", "0.10", "0.10")],
        ),
        # By category (marketing, utility, authentication, service), then country; a plan change
        # during the month splits a line by margin.
        (
            [
                use("2026-11-01 10:00", country="FR"),
                use("2026-11-01 10:00", Category.AUTHENTICATION),
                use("2026-11-20 10:00", margin=D("0.2")),
                use("2026-11-01 10:00"),
            ],
            0,
            [
                ("marketing", "DE", "0", 1, 0, "0.10", "0.00", "0.00", "0.10"),
                ("marketing", "DE", "0.2", 1, 0, "0.10", "0.02", "0.00", "0.12"),
                ("marketing", "FR", "0", 1, 0, "0.10", "0.00", "0.00", "0.10"),
                ("authentication", "DE", "0", 1, 0, "0.10", "0.00", "0.00", "0.10"),
            ],
        ),
        # A tenant's own card in euros is not converted.
        (
            [use("2026-11-01 10:00", currency="EUR")],
            0,
            [("marketing", "DE", "0", 1, 0, "0.13", "0.00", "0.00", "0.13")],
        ),
        ([], 1000, []),
    ],
)
def test_usage_is_grouped_converted_with_the_margin_less_the_included_messages(uses, included, expected):
    assert summary(usage_lines(uses, per_eur=PER_EUR, included=included)) == expected


DOMESTIC = VatDecision(VatTreatment.DOMESTIC, "DE", D(19))
REVERSE = VatDecision(VatTreatment.REVERSE_CHARGE, "FR", D(0))
CONSUMER_FI = VatDecision(VatTreatment.EU_CONSUMER, "FI", D("25.5"))
OUTSIDE = VatDecision(VatTreatment.OUTSIDE_EU, "", D(0))


def usage_of(*amounts: str) -> list[policy.UsageLine]:
    """Usage lines whose euro amounts are given (at cost, no margin)."""
    return [
        policy.UsageLine(Category.MARKETING, "DE", D(0), 1, 0, D(amount), "EUR", D(amount), D(0), D(0))
        for amount in amounts
    ]


@pytest.mark.parametrize(
    ("fees", "usage", "credits", "vat", "expected"),
    [
        # Starter, a whole month, no usage, in Germany: 90 + 19 % VAT.
        (["90.00"], [], [], DOMESTIC, ("90.00", "17.10", "107.10")),
        # Starter plus 10 EUR of WhatsApp usage, domestic.
        (["90.00"], usage_of("10.00"), [], DOMESTIC, ("100.00", "19.00", "119.00")),
        # The same for a French business with a VAT id: reverse charge.
        (["90.00"], usage_of("10.00"), [], REVERSE, ("100.00", "0.00", "100.00")),
        # A Finnish consumer: 25.5 %, rounded half up to the cent.
        (["90.00"], usage_of("10.01"), [], CONSUMER_FI, ("100.01", "25.50", "125.51")),
        # Outside the EU.
        (["290.00"], usage_of("3.33", "4.44"), [], OUTSIDE, ("297.77", "0.00", "297.77")),
        # A plan change in February: two prorated fees; a credit deducted before VAT.
        (["32.14", "186.43"], usage_of("1.43"), ["20.00"], DOMESTIC, ("200.00", "38.00", "238.00")),
        # Pay as you go: no fee, usage only.
        (["0.00"], usage_of("12.00"), [], DOMESTIC, ("12.00", "2.28", "14.28")),
        # A credit larger than the month: owed to the tenant, VAT too.
        (["0.00"], usage_of("10.00"), ["30.00"], DOMESTIC, ("-20.00", "-3.80", "-23.80")),
    ],
)
def test_statement_totals(fees, usage, credits, vat, expected):
    totals = statement_totals(fees=[D(fee) for fee in fees], usage=usage, credits=[D(c) for c in credits], vat=vat)
    assert (str(totals.net), str(totals.vat), str(totals.total)) == expected


def test_statement_numbers_are_per_year_and_sort_as_text():
    assert statement_number(year=2026, sequence=42) == "RLY-2026-000042"
    assert sorted(statement_number(year=2026, sequence=n) for n in (10, 9, 100)) == [
        "RLY-2026-000009",
        "RLY-2026-000010",
        "RLY-2026-000100",
    ]


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        ([], 0),
        ([(plans.PLANS[0], at("2026-10-01 00:00"))], 1000),  # starter, the whole month
        ([(plans.PLANS[0], at("2026-11-16 08:00"))], 500),  # half of November
        ([(plans.PLANS[0], at("2026-10-01 00:00")), (plans.PLANS[1], at("2026-11-11 00:00"))], 6999),
        ([(plans.PLANS[2], at("2026-10-01 00:00"))], 0),  # pay as you go includes none
    ],
)
def test_included_template_messages_are_prorated_like_the_fee(periods, expected):
    fees = plans.prorated_fees(periods, month=date(2026, 11, 1))
    assert plans.included_template_messages(fees, month=date(2026, 11, 1)) == expected


def test_the_plan_in_force_is_the_latest_started():
    starter, business = plans.PLANS[0], plans.PLANS[1]
    periods = [(business, at("2026-11-11 12:00")), (starter, at("2026-10-01 00:00"))]
    assert plans.plan_in_force(periods, at=at("2026-09-30 00:00")) is plans.TRIAL
    assert plans.plan_in_force(periods, at=at("2026-11-11 11:59")) == starter
    assert plans.plan_in_force(periods, at=at("2026-11-11 12:00")) == business


def test_exchange_rates_must_be_positive():
    with pytest.raises(ValueError, match="above 0"):
        parse_exchange_rates("# source: x\nday,currency,per_eur\n2026-01-01,USD,0\n")
    assert isinstance(EXCHANGE[0], ExchangeRate)
