"""WhatsApp's pricing rules as pure functions: which regime a moment falls under, what an
event is charged as, and what it costs on a rate card.

Regimes are data with an effective date (`REGIMES`); the one in force is chosen by the
event's own time, so a month that spans a change bills each event under its own rules.
Months are calendar months in UTC. No database, no clock: callers pass the facts.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

import phonenumbers

# The rest-of-world row of a rate card ("Other" on Meta's cards).
REST_OF_WORLD = "*"
CONVERSATION_LENGTH = timedelta(hours=24)
ENTRY_POINT_LENGTH = timedelta(hours=72)


class PricingModel(StrEnum):
    CONVERSATION = "CBP"  # per 24 h conversation, until 30 Jun 2025
    PER_MESSAGE = "PMP"  # per delivered template, from 1 Jul 2025


class Category(StrEnum):
    MARKETING = "marketing"
    UTILITY = "utility"
    AUTHENTICATION = "authentication"
    SERVICE = "service"


# Categories with monthly volume tiers under per-message pricing.
_TIERED = frozenset({Category.UTILITY, Category.AUTHENTICATION})


class Charge(StrEnum):
    """Why an event costs what it costs; the values of Meta's `pricing.type`, plus our free tier."""

    REGULAR = "regular"
    FREE_CUSTOMER_SERVICE = "free_customer_service"
    FREE_ENTRY_POINT = "free_entry_point"
    FREE_TIER = "free_tier"


class PricingProblem(StrEnum):
    COUNTRY_UNKNOWN = "country_unknown"
    COUNTRY_NOT_ON_CARD = "country_not_on_card"
    NO_RATE_CARD = "no_rate_card"


# Meta's categories that we price as one of ours (their rate is the same line on the card).
_META_CATEGORIES = {
    "marketing": Category.MARKETING,
    "marketing_lite": Category.MARKETING,
    "utility": Category.UTILITY,
    "authentication": Category.AUTHENTICATION,
    "authentication_international": Category.AUTHENTICATION,
    "service": Category.SERVICE,
    "referral_conversion": Category.SERVICE,
}


@dataclass(frozen=True)
class Regime:
    """The rules in force from `effective_from` (00:00 UTC) until the next regime."""

    effective_from: date
    model: PricingModel
    # Categories whose first `free_tier` conversations a month (per WhatsApp Business Account) are free.
    free_tier: int
    free_tier_categories: frozenset[Category]
    service_free: bool
    utility_in_window_free: bool
    volume_tiers: bool
    # From Oct 2026 service messages are charged at the market's utility rate.
    service_priced_as: Category | None = None


_ALL = frozenset(Category)
REGIMES: tuple[Regime, ...] = (
    Regime(date(2022, 2, 1), PricingModel.CONVERSATION, 1000, _ALL, False, False, False),
    Regime(date(2023, 6, 1), PricingModel.CONVERSATION, 1000, frozenset({Category.SERVICE}), False, False, False),
    Regime(date(2024, 11, 1), PricingModel.CONVERSATION, 0, frozenset(), True, False, False),
    Regime(date(2025, 7, 1), PricingModel.PER_MESSAGE, 0, frozenset(), True, True, True),
    Regime(date(2026, 10, 1), PricingModel.PER_MESSAGE, 0, frozenset(), False, False, True, Category.UTILITY),
)


class PricingError(Exception):
    def __init__(self, problem: PricingProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


def regime_at(moment: datetime, regimes: Sequence[Regime] = REGIMES) -> Regime:
    """The regime in force at `moment` (the earliest one for anything before it)."""
    day = moment.astimezone(UTC).date()
    current = regimes[0]
    for regime in regimes:
        if regime.effective_from <= day:
            current = regime
    return current


def month_of(moment: datetime) -> date:
    """The first day of `moment`'s calendar month, in UTC: what free tiers and budgets count by."""
    return moment.astimezone(UTC).date().replace(day=1)


def country_of(phone: str) -> str:
    """ISO country of a WhatsApp id or phone number ("4915112345678" -> "DE"), "" when unknown."""
    digits = phone.strip()
    try:
        parsed = phonenumbers.parse(digits if digits.startswith("+") else f"+{digits}", None)
    except phonenumbers.NumberParseException:
        return ""
    # Meta prices by calling code: a number outside any allocated range still has its country's code.
    region = phonenumbers.region_code_for_number(parsed) or phonenumbers.region_code_for_country_code(
        parsed.country_code or 0
    )
    return region if region and region.isalpha() and region != "ZZ" else ""


def category_from_meta(value: str) -> Category | None:
    return _META_CATEGORIES.get(value.lower())


def charge_from_meta(value: str) -> Charge | None:
    try:
        return Charge(value.lower())
    except ValueError:
        return None


@dataclass(frozen=True)
class EventFacts:
    """One delivered business message, as our own records see it."""

    occurred_at: datetime
    # The template's category, or service for a non-template message.
    category: Category
    is_template: bool
    inside_service_window: bool
    inside_entry_point: bool
    # Earlier conversations of a free-tier category this month (CBP: per WhatsApp Business Account).
    free_tier_used: int = 0


@dataclass(frozen=True)
class Classification:
    model: PricingModel
    category: Category
    charge: Charge
    # The card line it is priced on, and whether monthly volume tiers apply to it.
    rate_category: Category
    tiered: bool


def classify(facts: EventFacts) -> Classification:
    """What WhatsApp charges the event as, under the regime in force when it happened."""
    regime = regime_at(facts.occurred_at)
    category = facts.category if facts.is_template else Category.SERVICE
    # Oct 2026: service and in-window utility are charged at the utility rate, without tiers.
    in_window_utility = category == Category.UTILITY and facts.inside_service_window
    untiered = category == Category.SERVICE or (in_window_utility and not regime.utility_in_window_free)
    rate_category = category
    if category == Category.SERVICE and regime.service_priced_as is not None:
        rate_category = regime.service_priced_as
    tiered = regime.volume_tiers and category in _TIERED and not untiered

    def result(charge: Charge) -> Classification:
        return Classification(
            model=regime.model, category=category, charge=charge, rate_category=rate_category, tiered=tiered
        )

    if facts.inside_entry_point:
        return result(Charge.FREE_ENTRY_POINT)
    if category == Category.SERVICE and regime.service_free:
        return result(Charge.FREE_CUSTOMER_SERVICE)
    if category == Category.UTILITY and facts.inside_service_window and regime.utility_in_window_free:
        return result(Charge.FREE_CUSTOMER_SERVICE)
    if category in regime.free_tier_categories and facts.free_tier_used < regime.free_tier:
        return result(Charge.FREE_TIER)
    return result(Charge.REGULAR)


def classify_from_meta(pricing: Mapping[str, object], *, ours: Classification, at: datetime) -> Classification:
    """What Meta's `pricing` object says the event is charged as; our view fills what it leaves out.

    Webhooks from before per-message pricing had no `type`: `billable: false` then meant the
    free tier (or, from Nov 2024, a free service conversation, or a free entry point)."""
    regime = regime_at(at)
    try:
        model = PricingModel(str(pricing.get("pricing_model", "")).upper())
    except ValueError:
        model = ours.model
    meta_category = str(pricing.get("category", ""))
    category = category_from_meta(meta_category) or ours.category
    charge = charge_from_meta(str(pricing.get("type", "")))
    if charge is None:
        if pricing.get("billable", True) is not False:
            charge = Charge.REGULAR
        elif meta_category == "referral_conversion":
            charge = Charge.FREE_ENTRY_POINT
        elif category == Category.SERVICE and regime.service_free:
            charge = Charge.FREE_CUSTOMER_SERVICE
        else:
            charge = Charge.FREE_TIER
    same = category == ours.category
    rate_category = ours.rate_category if same else category
    tiered = ours.tiered if same else regime.volume_tiers and category in _TIERED
    return Classification(model=model, category=category, charge=charge, rate_category=rate_category, tiered=tiered)


def opens_conversation(*, previous_opened_at: datetime | None, at: datetime) -> bool:
    """CBP: a message opens a new conversation unless one of its category opened < 24 h before."""
    return previous_opened_at is None or at - previous_opened_at >= CONVERSATION_LENGTH


# --- rate cards ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLine:
    country: str  # ISO 3166 alpha-2, or REST_OF_WORLD
    category: Category
    price: Decimal
    # The line applies from this many charged messages a month (volume tiers); 0 for the base rate.
    volume_from: int = 0


@dataclass(frozen=True)
class Card:
    model: PricingModel
    effective_from: date
    currency: str
    lines: tuple[RateLine, ...]
    # The tenant's own upload, which wins over the shipped card of the same date.
    own: bool = False


def card_for(cards: Iterable[Card], *, model: PricingModel, at: datetime) -> Card | None:
    """The newest card of `model` already in force at `at`."""
    day = at.astimezone(UTC).date()
    usable = [card for card in cards if card.model == model and card.effective_from <= day]
    return max(usable, key=lambda card: (card.effective_from, card.own), default=None)


def unit_price(card: Card, *, country: str, category: Category, volume_used: int = 0, tiers: bool = True) -> Decimal:
    """The card's price of one event of `category` to `country`, after `volume_used` charged ones
    this month; raises PricingError when the country is unknown or the card has no such line."""
    if not country:
        raise PricingError(PricingProblem.COUNTRY_UNKNOWN, "The recipient's country can't be told from the number.")
    lines = [line for line in card.lines if line.category == category and line.country == country]
    lines = lines or [line for line in card.lines if line.category == category and line.country == REST_OF_WORLD]
    if not lines:
        raise PricingError(
            PricingProblem.COUNTRY_NOT_ON_CARD,
            f"The {card.model} rate card of {card.effective_from.isoformat()} has no {category} price "
            f"for {country} and no rest-of-world price.",
        )
    reached = [line for line in lines if line.volume_from <= (volume_used if tiers else 0)]
    return max(reached, key=lambda line: line.volume_from).price


def price(classification: Classification, card: Card, *, country: str, volume_used: int = 0) -> Decimal:
    """What one classified event costs on `card` (0 when it is free); `volume_used` is how many
    charged events of its category and country came before it this month."""
    if classification.charge != Charge.REGULAR:
        return Decimal("0")
    return unit_price(
        card,
        country=country,
        category=classification.rate_category,
        volume_used=volume_used,
        tiers=classification.tiered,
    )


# --- estimates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    phone: str
    inside_service_window: bool = False
    inside_entry_point: bool = False


@dataclass(frozen=True)
class CountryEstimate:
    country: str
    recipients: int
    charged: int
    amount: Decimal


@dataclass(frozen=True)
class Estimate:
    currency: str
    total: Decimal
    recipients: int
    charged: int
    free: int
    by_country: tuple[CountryEstimate, ...]
    # Recipients that couldn't be priced (unknown country, no line on the card).
    unpriced: int = 0


def estimate(*, cards: Iterable[Card], category: Category, recipients: Sequence[Recipient], at: datetime) -> Estimate:
    """The expected cost of sending one template of `category` to each recipient at `at`."""
    card_list = list(cards)
    model = regime_at(at).model
    card = card_for(card_list, model=model, at=at)
    rows: dict[str, list[Decimal]] = {}
    charged = free = unpriced = 0
    for recipient in recipients:
        country = country_of(recipient.phone)
        facts = EventFacts(
            occurred_at=at,
            category=category,
            is_template=True,
            inside_service_window=recipient.inside_service_window,
            inside_entry_point=recipient.inside_entry_point,
            free_tier_used=10**9,  # an estimate never promises a free tier
        )
        classification = classify(facts)
        if classification.charge != Charge.REGULAR:
            free += 1
            rows.setdefault(country or "", []).append(Decimal("0"))
            continue
        try:
            if card is None:
                raise PricingError(PricingProblem.NO_RATE_CARD, "No rate card is in force.")
            amount = price(classification, card, country=country)
        except PricingError:
            unpriced += 1
            continue
        charged += 1
        rows.setdefault(country, []).append(amount)
    by_country = tuple(
        CountryEstimate(
            country=country,
            recipients=len(amounts),
            charged=sum(1 for amount in amounts if amount),
            amount=sum(amounts, Decimal("0")),
        )
        for country, amounts in sorted(rows.items(), key=lambda item: (-sum(item[1], Decimal("0")), item[0]))
    )
    return Estimate(
        currency=card.currency if card else "USD",
        total=sum((row.amount for row in by_country), Decimal("0")),
        recipients=len(recipients),
        charged=charged,
        free=free,
        by_country=by_country,
        unpriced=unpriced,
    )


# --- rate card files ----------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedCard:
    card: Card | None
    source: str
    # (line number in the file, what is wrong); the card is None when there is any.
    errors: tuple[tuple[int, str], ...]


_HEADER = ["country", "category", "volume_from", "price"]
_META_KEYS = {"model", "effective_from", "currency", "source"}


def parse_card(text: str) -> ParsedCard:
    """A rate card file: `# key: value` lines (model, effective_from, currency, source), then CSV
    rows `country,category,volume_from,price`. Every row is checked; any error voids the card."""
    meta: dict[str, str] = {}
    errors: list[tuple[int, str]] = []
    rows: list[tuple[int, list[str]]] = []
    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.lstrip().startswith("#"):
            name, _sep, value = raw.lstrip().lstrip("#").partition(":")
            if name.strip().lower() in _META_KEYS:
                meta[name.strip().lower()] = value.strip()
            continue
        cells = [cell.strip() for row in csv.reader([raw]) for cell in row]
        if not any(cells):
            continue
        if not header_seen:
            header_seen = True
            if [cell.lower() for cell in cells] != _HEADER:
                errors.append((number, f"the header must be {','.join(_HEADER)}"))
            continue
        rows.append((number, cells))
    model, effective_from, currency = _card_meta(meta, errors)
    numbered = [(number, line) for number, cells in rows if (line := _rate_line(number, cells, errors)) is not None]
    lines = [line for _number, line in numbered]
    seen: set[tuple[str, Category, int]] = set()
    for number, line in numbered:
        key = (line.country, line.category, line.volume_from)
        if key in seen:
            errors.append((number, f"{line.country} {line.category} from {line.volume_from} is listed twice"))
        seen.add(key)
    if not rows and not errors:
        errors.append((0, "the file has no prices"))
    if errors or model is None or effective_from is None:
        return ParsedCard(card=None, source=meta.get("source", ""), errors=tuple(sorted(errors)))
    card = Card(model=model, effective_from=effective_from, currency=currency, lines=tuple(lines))
    return ParsedCard(card=card, source=meta.get("source", ""), errors=())


def _card_meta(meta: Mapping[str, str], errors: list[tuple[int, str]]) -> tuple[PricingModel | None, date | None, str]:
    model = None
    try:
        model = PricingModel(meta.get("model", "").upper())
    except ValueError:
        errors.append((0, "a `# model: CBP` or `# model: PMP` line is required"))
    effective_from = None
    try:
        effective_from = date.fromisoformat(meta.get("effective_from", ""))
    except ValueError:
        errors.append((0, "a `# effective_from: YYYY-MM-DD` line is required"))
    currency = meta.get("currency", "USD").upper()
    if len(currency) != 3 or not currency.isalpha():
        errors.append((0, f"the currency “{currency}” is not a three-letter code"))
    if not meta.get("source"):
        errors.append((0, "a `# source:` line saying where the prices come from, and as of when, is required"))
    return model, effective_from, currency


def _rate_line(number: int, cells: list[str], errors: list[tuple[int, str]]) -> RateLine | None:
    if len(cells) != len(_HEADER):
        errors.append((number, f"expected {len(_HEADER)} columns, found {len(cells)}"))
        return None
    country, category_text, volume_text, price_text = cells
    problems = []
    country = country.upper()
    if country != REST_OF_WORLD and not (len(country) == 2 and country.isalpha()):
        problems.append(f"“{country}” is not a two-letter country code or {REST_OF_WORLD}")
    try:
        category = Category(category_text.lower())
    except ValueError:
        problems.append(f"“{category_text}” is not one of {', '.join(c.value for c in Category)}")
    volume_from = int(volume_text) if volume_text.isdigit() else -1
    if volume_from < 0:
        problems.append(f"volume_from “{volume_text}” is not a whole number")
    try:
        amount = Decimal(price_text)
    except InvalidOperation:
        amount = Decimal("-1")
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -6:  # type: ignore[operator]
        problems.append(f"price “{price_text}” is not an amount ≥ 0 with at most 6 decimals")
    if problems:
        errors.append((number, "; ".join(problems)))
        return None
    return RateLine(country=country, category=category, price=amount, volume_from=volume_from)


# --- statements ---------------------------------------------------------------------------

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class VatTreatment(StrEnum):
    DOMESTIC = "domestic"  # the seller's country: its rate
    REVERSE_CHARGE = "reverse_charge"  # another EU country, a business with a VAT id: 0 %, the buyer accounts for it
    EU_CONSUMER = "eu_consumer"  # another EU country without a VAT id: that country's rate
    OUTSIDE_EU = "outside_eu"  # not in scope of EU VAT: 0 %


@dataclass(frozen=True)
class VatRates:
    """Standard VAT rates of the EU countries (percent), as of a date, from a named source."""

    rates: Mapping[str, Decimal]
    as_of: date
    source: str


@dataclass(frozen=True)
class VatDecision:
    treatment: VatTreatment
    # Whose rate applies ("" when none does) and the rate in percent.
    country: str
    rate: Decimal

    def on(self, net: Decimal) -> Decimal:
        return to_cents(net * self.rate / 100)


def vat_decision(*, seller_country: str, buyer_country: str, buyer_vat_id: str, rates: VatRates) -> VatDecision:
    """The VAT of a statement for a buyer in `buyer_country` (electronically supplied services, EU rules).
    A buyer whose country we don't know yet is charged as a domestic one: VAT is never left out by default."""
    seller = seller_country.upper()
    buyer = (buyer_country or seller).upper()
    if buyer == seller:
        return VatDecision(VatTreatment.DOMESTIC, seller, rates.rates[seller])
    if buyer not in rates.rates:
        return VatDecision(VatTreatment.OUTSIDE_EU, "", Decimal(0))
    if buyer_vat_id.strip():
        return VatDecision(VatTreatment.REVERSE_CHARGE, buyer, Decimal(0))
    return VatDecision(VatTreatment.EU_CONSUMER, buyer, rates.rates[buyer])


def parse_vat_rates(text: str) -> VatRates:
    """`# source:` and `# as_of: YYYY-MM-DD` lines, then CSV rows `country,rate` (percent).
    ValueError when malformed."""
    meta, rows = _data_file(text, header=["country", "rate"])
    rates = {}
    for country, rate in rows:
        if not (len(country) == 2 and country.isalpha()):
            raise ValueError(f"“{country}” is not a two-letter country code")
        rates[country.upper()] = Decimal(rate)
    return VatRates(rates=rates, as_of=date.fromisoformat(meta["as_of"]), source=meta["source"])


@dataclass(frozen=True)
class ExchangeRate:
    """Units of `currency` per euro published on `day`."""

    day: date
    currency: str
    per_eur: Decimal
    source: str


def parse_exchange_rates(text: str) -> list[ExchangeRate]:
    """A `# source:` line, then CSV rows `day,currency,per_eur`; ValueError when malformed."""
    meta, rows = _data_file(text, header=["day", "currency", "per_eur"])
    rates = [
        ExchangeRate(date.fromisoformat(day), currency.upper(), Decimal(rate), meta["source"])
        for day, currency, rate in rows
    ]
    if any(rate.per_eur <= 0 for rate in rates):
        raise ValueError("an exchange rate must be above 0")
    return rates


def exchange_rate_for(
    rates: Iterable[ExchangeRate], *, currency: str, day: date, max_age: timedelta
) -> ExchangeRate | None:
    """The latest rate of `currency` published on or before `day`, if it is at most `max_age` old; euros are 1."""
    if currency == "EUR":
        return ExchangeRate(day, "EUR", Decimal(1), "")
    published = [rate for rate in rates if rate.currency == currency and rate.day <= day]
    latest = max(published, key=lambda rate: rate.day, default=None)
    return latest if latest is not None and day - latest.day <= max_age else None


def _data_file(text: str, *, header: list[str]) -> tuple[dict[str, str], list[list[str]]]:
    meta: dict[str, str] = {}
    rows: list[list[str]] = []
    for raw in text.splitlines():
        if raw.lstrip().startswith("#"):
            name, _sep, value = raw.lstrip().lstrip("#").partition(":")
            meta[name.strip().lower()] = value.strip()
            continue
        cells = [cell.strip() for row in csv.reader([raw]) for cell in row]
        if any(cells):
            rows.append(cells)
    if not rows or [cell.lower() for cell in rows[0]] != header:
        raise ValueError(f"the header must be {','.join(header)}")
    if not meta.get("source"):
        raise ValueError("a `# source:` line is required")
    if any(len(row) != len(header) for row in rows[1:]):
        raise ValueError(f"every row needs {len(header)} columns")
    return meta, rows[1:]


@dataclass(frozen=True)
class ChargedUse:
    """One charged WhatsApp event going on a statement: its cost on the card and the plan's margin
    in force when it happened."""

    occurred_at: datetime
    category: Category
    country: str
    cost: Decimal  # in the card's currency
    currency: str
    margin: Decimal  # share added to the cost (0.2 = 20 %)
    # A template of the statement's own month: it may be one of the plan's included messages.
    may_be_included: bool


@dataclass(frozen=True)
class UsageLine:
    """A statement's WhatsApp line: the charged events of one category, country and margin."""

    category: Category
    country: str
    margin: Decimal
    count: int
    included: int  # of `count`, covered by the plan's included template messages
    cost: Decimal  # in the card's currency, as WhatsApp charges it
    currency: str
    at_cost: Decimal  # in euros
    margin_amount: Decimal
    included_amount: Decimal  # deducted (≥ 0)

    @property
    def amount(self) -> Decimal:
        return self.at_cost + self.margin_amount - self.included_amount


def usage_lines(uses: Sequence[ChargedUse], *, per_eur: Mapping[str, Decimal], included: int) -> list[UsageLine]:
    """Group charged events by category, country and margin, converted to euros at `per_eur` (units of
    each currency per euro). The plan's `included` template messages of the month are the first ones
    sent: what they cost (margin included) is deducted. Each figure is rounded to cents once."""
    ordered = sorted(uses, key=lambda use: use.occurred_at)
    groups: dict[tuple[Category, str, Decimal, str], list[tuple[ChargedUse, bool]]] = {}
    left = included
    for use in ordered:
        is_included = use.may_be_included and left > 0
        left -= is_included
        groups.setdefault((use.category, use.country, use.margin, use.currency), []).append((use, is_included))
    lines = []
    for (category, country, margin, currency), members in groups.items():
        rate = per_eur[currency]
        cost = sum((use.cost for use, _ in members), Decimal(0))
        included_cost = sum((use.cost for use, is_included in members if is_included), Decimal(0))
        at_cost = to_cents(cost / rate)
        lines.append(
            UsageLine(
                category=category,
                country=country,
                margin=margin,
                count=len(members),
                included=sum(is_included for _, is_included in members),
                cost=cost,
                currency=currency,
                at_cost=at_cost,
                margin_amount=to_cents(at_cost * margin),
                included_amount=to_cents(included_cost * (1 + margin) / rate),
            )
        )
    order = {category: position for position, category in enumerate(Category)}
    return sorted(lines, key=lambda line: (order[line.category], line.country, line.margin))


@dataclass(frozen=True)
class StatementTotals:
    net: Decimal
    vat: Decimal
    total: Decimal


def statement_totals(
    *, fees: Sequence[Decimal], usage: Sequence[UsageLine], credits: Sequence[Decimal], vat: VatDecision
) -> StatementTotals:
    """Plan fees plus WhatsApp usage, less credits, then VAT on the net. A net below zero (credits
    larger than the month) stays negative: it is owed to the tenant."""
    net = sum(fees, Decimal(0)) + sum((line.amount for line in usage), Decimal(0)) - sum(credits, Decimal(0))
    tax = vat.on(net)
    return StatementTotals(net=net, vat=tax, total=net + tax)


def statement_number(*, year: int, sequence: int) -> str:
    """Statements are numbered per year without gaps: RLY-2026-000042."""
    return f"RLY-{year}-{sequence:06d}"
