"""Our plans as data, and their limits as pure rules: what a tenant may add on the plan it has.

A tenant that never chose a plan is on the trial, which sets no limits yet. Fees are monthly;
WhatsApp's costs are passed through at cost or with the plan's margin.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    monthly_fee: Decimal
    currency: str
    # None: no limit.
    seats: int | None
    numbers: int | None
    # Template messages a month included in the fee: the statement deducts what the month's first
    # ones cost (margin included); the rest are passed through.
    template_messages: int
    # Share added to WhatsApp's cost when it is passed through (0: at cost).
    whatsapp_margin: Decimal

    @property
    def margin_percent(self) -> Decimal:
        return (self.whatsapp_margin * 100).normalize()


TRIAL = Plan("trial", str(gettext_lazy("Trial")), Decimal(0), "EUR", None, None, 0, Decimal(0))
PLANS: tuple[Plan, ...] = (
    # Like the market's cheapest offer: one number, a small team.
    Plan("starter", "Starter", Decimal(90), "EUR", 3, 1, 1_000, Decimal(0)),
    Plan("business", "Business", Decimal(290), "EUR", 15, 3, 10_000, Decimal(0)),
    # No fee: WhatsApp's costs with a margin.
    Plan("usage", "Pay as you go", Decimal(0), "EUR", 5, 2, 0, Decimal("0.20")),
)


def plan_named(code: str) -> Plan | None:
    return next((plan for plan in (TRIAL, *PLANS) if plan.code == code), None)


def seat_refusal(plan: Plan, *, seats_used: int) -> str | None:
    """Why one more seat (a member or an open invitation) can't be added, or None."""
    if plan.seats is None or seats_used < plan.seats:
        return None
    return _(
        "Your %(plan)s plan includes %(seats)d seats, and all are taken by members and open invitations. "
        "Remove someone, withdraw an invitation, or ask an owner to change the plan."
    ) % {"plan": plan.name, "seats": plan.seats}


def number_refusal(plan: Plan, *, numbers_used: int) -> str | None:
    """Why one more WhatsApp number can't be connected, or None."""
    if plan.numbers is None or numbers_used < plan.numbers:
        return None
    return _(
        "Your %(plan)s plan includes %(numbers)d WhatsApp number(s), all connected. "
        "Ask an owner to change the plan to connect another."
    ) % {"plan": plan.name, "numbers": plan.numbers}


def change_refusal(plan: Plan, *, seats_used: int, numbers_used: int) -> str | None:
    """Why the tenant can't move to `plan` as it is now (it uses more than the plan includes), or None."""
    if plan.seats is not None and seats_used > plan.seats:
        return _("The %(plan)s plan includes %(limit)d seats; you use %(used)d (members and open invitations).") % {
            "plan": plan.name,
            "limit": plan.seats,
            "used": seats_used,
        }
    if plan.numbers is not None and numbers_used > plan.numbers:
        return _("The %(plan)s plan includes %(limit)d WhatsApp number(s); you have %(used)d connected.") % {
            "plan": plan.name,
            "limit": plan.numbers,
            "used": numbers_used,
        }
    return None


@dataclass(frozen=True)
class FeeLine:
    """A plan's share of a month's fee: the days it was in force."""

    plan: Plan
    first_day: date
    days: int
    amount: Decimal


def plan_in_force(periods: Sequence[tuple[Plan, datetime]], *, at: datetime) -> Plan:
    """The plan of the latest period started by `at` (the trial before any); `periods` in any order."""
    started = [period for period in periods if period[1] <= at]
    return max(started, key=lambda period: period[1])[0] if started else TRIAL


def included_template_messages(fees: Sequence[FeeLine], *, month: date) -> int:
    """The month's included template messages: each plan's, prorated by the days it was in force (rounded down)."""
    days_in_month = monthrange(month.year, month.month)[1]
    return sum(line.plan.template_messages * line.days // days_in_month for line in fees)


def prorated_fees(periods: Sequence[tuple[Plan, datetime]], *, month: date) -> list[FeeLine]:
    """The month's plan fees, prorated by day (UTC): each day is billed at the plan in force at its
    end, so a change during a day counts from that day. `periods` are (plan, starts_at), any order."""
    days_in_month = monthrange(month.year, month.month)[1]
    first = month.replace(day=1)
    ordered = sorted(periods, key=lambda period: period[1])

    def plan_on(day: date) -> Plan | None:
        end_of_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        started = [plan for plan, starts_at in ordered if starts_at < end_of_day]
        return started[-1] if started else None

    lines: list[FeeLine] = []
    for offset in range(days_in_month):
        day = first + timedelta(days=offset)
        plan = plan_on(day)
        if plan is None:
            continue
        if lines and lines[-1].plan == plan and lines[-1].first_day + timedelta(days=lines[-1].days) == day:
            lines[-1] = FeeLine(plan, lines[-1].first_day, lines[-1].days + 1, Decimal(0))
        else:
            lines.append(FeeLine(plan, day, 1, Decimal(0)))
    cent = Decimal("0.01")
    return [
        FeeLine(
            line.plan,
            line.first_day,
            line.days,
            (line.plan.monthly_fee * line.days / days_in_month).quantize(cent, rounding=ROUND_HALF_UP),
        )
        for line in lines
    ]
