"""Reads of billing data, always for one tenant: rate cards in force, usage, budget, reconciliation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate

from accounts.models import Invitation, Membership
from billing import plans, policy
from billing.models import BillableEvent, Budget, PlanPeriod, RateCard, Statement, StatementLine

# Share of the budget at which owners and admins are warned.
BUDGET_WARNING_SHARE = Decimal("0.8")


def cards_for(*, tenant_id: int) -> list[policy.Card]:
    """The shipped rate cards and the tenant's own, as the policy reads them."""
    rows = (
        RateCard.objects.filter(Q(tenant__isnull=True) | Q(tenant_id=tenant_id))
        .prefetch_related("prices")
        .order_by("effective_from", "tenant_id")
    )
    return [
        policy.Card(
            model=policy.PricingModel(card.pricing_model),
            effective_from=card.effective_from,
            currency=card.currency,
            own=card.tenant_id is not None,
            lines=tuple(
                policy.RateLine(
                    country=line.country,
                    category=policy.Category(line.category),
                    price=line.price,
                    volume_from=line.volume_from,
                )
                for line in card.prices.all()
            ),
        )
        for card in rows
    ]


def rate_cards(*, tenant_id: int) -> list[RateCard]:
    """Every card that may price this tenant's events, newest first, with its number of lines."""
    return list(
        RateCard.objects.filter(Q(tenant__isnull=True) | Q(tenant_id=tenant_id))
        .annotate(lines=Count("prices"))
        .order_by("-effective_from", "pricing_model", "tenant_id")
    )


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def _month_events(tenant_id: int, month: date):  # type: ignore[no-untyped-def]
    start, end = month_bounds(month)
    return BillableEvent.objects.for_tenant(tenant_id).filter(occurred_at__gte=start, occurred_at__lt=end)


def month_spend(*, tenant_id: int, month: date, currency: str) -> Decimal:
    total = _month_events(tenant_id, month).filter(currency=currency).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


@dataclass(frozen=True)
class UsageRow:
    """Events and their cost for one value of a dimension (a day, a category, a country...)."""

    key: str
    events: int
    charged: int
    amount: Decimal


def _totals() -> dict[str, Count | Sum]:
    """Events, the charged ones, and their cost: what every usage row adds up."""
    return {
        "events": Count("id"),
        "charged": Count("id", filter=Q(charge=policy.Charge.REGULAR)),
        "total": Sum("amount"),
    }


def _rows(tenant_id: int, month: date, field: str) -> list[UsageRow]:
    grouped = _month_events(tenant_id, month).values(field).annotate(**_totals()).order_by(field)
    return [
        UsageRow(key=str(row[field]), events=row["events"], charged=row["charged"], amount=row["total"] or Decimal(0))
        for row in grouped
    ]


@dataclass(frozen=True)
class DailyRow:
    """One day's events of one category, country, number and pricing model."""

    day: date
    category: str
    country: str
    number: str
    pricing_model: str
    events: int
    charged: int
    amount: Decimal


@dataclass(frozen=True)
class Usage:
    month: date
    currency: str
    total: Decimal
    events: int
    charged: int
    unpriced: int
    by_day: list[UsageRow]
    by_category: list[UsageRow]
    by_country: list[UsageRow]
    by_number: list[UsageRow]
    by_model: list[UsageRow]
    daily: list[DailyRow]


def usage(*, tenant_id: int, month: date) -> Usage:
    """A month's metered WhatsApp usage, counted as Meta counts it, by day, category, country,
    number and pricing model."""
    events = _month_events(tenant_id, month)
    totals = events.aggregate(**_totals(), unpriced=Count("id", filter=Q(amount__isnull=True)))
    currency = events.exclude(currency="").values_list("currency", flat=True).first() or "USD"
    by_day = [
        UsageRow(
            key=row["day"].isoformat(), events=row["events"], charged=row["charged"], amount=row["total"] or Decimal(0)
        )
        for row in events.annotate(day=TruncDate("occurred_at", tzinfo=UTC))
        .values("day")
        .annotate(**_totals())
        .order_by("day")
    ]
    return Usage(
        month=month,
        currency=currency,
        total=totals["total"] or Decimal("0"),
        events=totals["events"],
        charged=totals["charged"],
        unpriced=totals["unpriced"],
        by_day=by_day,
        by_category=_rows(tenant_id, month, "category"),
        by_country=_rows(tenant_id, month, "country"),
        by_number=_rows(tenant_id, month, "display_phone_number"),
        by_model=_rows(tenant_id, month, "pricing_model"),
        daily=[
            DailyRow(
                day=row["day"],
                category=row["category"],
                country=row["country"],
                number=row["display_phone_number"],
                pricing_model=row["pricing_model"],
                events=row["events"],
                charged=row["charged"],
                amount=row["total"] or Decimal(0),
            )
            for row in events.annotate(day=TruncDate("occurred_at", tzinfo=UTC))
            .values("day", "category", "country", "display_phone_number", "pricing_model")
            .annotate(**_totals())
            .order_by("day", "category", "country", "display_phone_number", "pricing_model")
        ],
    )


def reconciliation(*, tenant_id: int, month: date) -> list[BillableEvent]:
    """The month's events where Meta's pricing and our rules disagree (model, category or charge)."""
    differing = ~Q(our_category=F("category")) | ~Q(our_charge=F("charge")) | ~Q(our_pricing_model=F("pricing_model"))
    events = _month_events(tenant_id, month).filter(meta_pricing__isnull=False).filter(differing)
    return list(events.order_by("occurred_at", "id"))


def unpriced_events(*, tenant_id: int) -> Sequence[BillableEvent]:
    return list(BillableEvent.objects.for_tenant(tenant_id).filter(amount__isnull=True).order_by("occurred_at"))


def budget_of(*, tenant_id: int) -> Budget | None:
    return Budget.objects.for_tenant(tenant_id).first()


@dataclass(frozen=True)
class BudgetStatus:
    budget: Decimal | None
    currency: str
    spent: Decimal

    @property
    def share(self) -> Decimal | None:
        """Spent over budget (1 = all of it); None without a budget."""
        if not self.budget:
            return None
        return self.spent / self.budget

    @property
    def is_exceeded(self) -> bool:
        return self.budget is not None and self.spent >= self.budget

    @property
    def needs_warning(self) -> bool:
        share = self.share
        return share is not None and share >= BUDGET_WARNING_SHARE


def budget_status(*, tenant_id: int, now: datetime) -> BudgetStatus:
    budget = budget_of(tenant_id=tenant_id)
    currency = budget.currency if budget else "USD"
    return BudgetStatus(
        budget=budget.monthly_amount if budget else None,
        currency=currency,
        spent=month_spend(tenant_id=tenant_id, month=policy.month_of(now), currency=currency),
    )


def estimate(
    *, tenant_id: int, category: policy.Category, recipients: Sequence[policy.Recipient], at: datetime
) -> policy.Estimate:
    """The expected cost of a template of `category` to each recipient, on the cards in force at `at`."""
    return policy.estimate(cards=cards_for(tenant_id=tenant_id), category=category, recipients=recipients, at=at)


def current_plan(*, tenant_id: int, now: datetime) -> plans.Plan:
    """The plan of the latest period that has started; the trial when none was ever chosen."""
    code = (
        PlanPeriod.objects.for_tenant(tenant_id)
        .filter(starts_at__lte=now)
        .order_by("-starts_at", "-id")
        .values_list("plan", flat=True)
        .first()
    )
    return (plans.plan_named(code) if code else None) or plans.TRIAL


def seats_used(*, tenant_id: int, now: datetime) -> int:
    """Members, and invitations still open (each holds the seat its guest will take)."""
    members = Membership.objects.for_tenant(tenant_id).count()
    invited = (
        Invitation.objects.for_tenant(tenant_id)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
        .count()
    )
    return members + invited


# --- statements ---------------------------------------------------------------------------


def members_at(*, tenant_id: int, at: datetime) -> int:
    """Members who had joined by `at` and still are (those removed since are gone from the table)."""
    return Membership.objects.for_tenant(tenant_id).filter(created_at__lt=at).count()


VAT_RATES_FILE = Path(__file__).resolve().parent / "data" / "eu_vat_rates.csv"
EXCHANGE_RATES_FILE = Path(__file__).resolve().parent / "data" / "exchange_rates.csv"


@cache
def vat_rates() -> policy.VatRates:
    return policy.parse_vat_rates(VAT_RATES_FILE.read_text(encoding="utf-8"))


def exchange_rates() -> list[policy.ExchangeRate]:
    """The published rates of the file the settings name (read each time: it gains a row a month)."""
    return policy.parse_exchange_rates(Path(settings.BILLING_EXCHANGE_RATES_FILE).read_text(encoding="utf-8"))


def plan_periods(*, tenant_id: int, until: datetime) -> list[tuple[plans.Plan, datetime]]:
    """The tenant's plan history started before `until`, as (plan, starts_at)."""
    rows = PlanPeriod.objects.for_tenant(tenant_id).filter(starts_at__lt=until).order_by("starts_at", "id")
    return [(plans.plan_named(row.plan) or plans.TRIAL, row.starts_at) for row in rows]


def statements(*, tenant_id: int) -> list[Statement]:
    return list(Statement.objects.for_tenant(tenant_id).order_by("-month"))


def statement_by_number(*, tenant_id: int, number: str) -> Statement | None:
    """The tenant's statement with that number (None for another tenant's: the same answer as a missing one)."""
    return Statement.objects.for_tenant(tenant_id).filter(number=number).first()


def statement_lines(*, statement: Statement) -> list[StatementLine]:
    return list(StatementLine.objects.for_tenant(statement.tenant_id).filter(statement=statement).order_by("position"))
