"""Writes of billing: loading and uploading rate cards, metering billable events, budgets, plans and
monthly statements."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import ConflictError, PermissionDeniedError, ServiceError
from accounts.models import Role, Tenant
from accounts.services import Actor, audit_record, notify_members, require_role
from billing import plans, policy, selectors
from billing.models import (
    BillableEvent,
    Budget,
    LineKind,
    PlanPeriod,
    RateCard,
    RatePrice,
    Statement,
    StatementCounter,
    StatementCredit,
    StatementLine,
)

SHIPPED_CARDS = Path(__file__).resolve().parent / "rate_cards"
MAX_CARD_BYTES = 1_000_000
MAX_BUDGET = Decimal("10000000")
MAX_CREDIT = Decimal("1000000")


# --- rate cards ---------------------------------------------------------------------------


def _parsed_or_error(text: str, *, filename: str) -> policy.ParsedCard:
    parsed = policy.parse_card(text)
    if parsed.errors:
        raise ServiceError(
            _("The rate card %(file)s has errors; nothing was applied.") % {"file": filename},
            code="rate_card_invalid",
            details=[{"row": row, "error": error} for row, error in parsed.errors],
        )
    return parsed


def _store_card(*, tenant_id: int | None, parsed: policy.ParsedCard, filename: str, now: datetime) -> RateCard:
    """Create the card, or replace the prices of the one with the same model and date."""
    card = parsed.card
    assert card is not None
    stored, _created = RateCard.objects.update_or_create(
        tenant_id=tenant_id,
        pricing_model=card.model.value,
        effective_from=card.effective_from,
        defaults={"currency": card.currency, "source": parsed.source, "filename": filename, "loaded_at": now},
    )
    stored.prices.all().delete()
    RatePrice.objects.bulk_create(
        RatePrice(
            card=stored, country=line.country, category=line.category, volume_from=line.volume_from, price=line.price
        )
        for line in card.lines
    )
    return stored


@transaction.atomic
def rate_cards_load_shipped(*, now: datetime, directory: Path = SHIPPED_CARDS) -> list[RateCard]:
    """Load (or reload) every card shipped in billing/rate_cards/, then price the events that
    were waiting for a card. All files are checked before any is applied."""
    files = sorted(directory.glob("*.csv"))
    parsed = [(path.name, _parsed_or_error(path.read_text(encoding="utf-8"), filename=path.name)) for path in files]
    cards = [_store_card(tenant_id=None, parsed=card, filename=name, now=now) for name, card in parsed]
    # Events of every tenant may have waited for these prices.
    waiting = BillableEvent.objects.unscoped().filter(amount__isnull=True).values_list("tenant_id", flat=True)
    for tenant_id in sorted(set(waiting)):
        events_reprice(tenant_id=tenant_id, now=now)
    return cards


@transaction.atomic
def rate_card_upload(*, actor: Actor, filename: str, content: bytes, now: datetime) -> RateCard:
    """An owner's own rate card (e.g. their provider's prices), checked row by row: a file with
    any error changes nothing and lists every error with its row. Events waiting for a price
    are priced again."""
    require_role(actor, Role.OWNER)
    if len(content) > MAX_CARD_BYTES:
        raise ServiceError(_("A rate card file may be at most 1 MB."), code="rate_card_invalid")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ServiceError(_("A rate card must be a UTF-8 CSV file."), code="rate_card_invalid") from error
    parsed = _parsed_or_error(text, filename=filename)
    card = _store_card(tenant_id=actor.tenant_id, parsed=parsed, filename=filename[:200], now=now)
    audit_record(
        actor=actor,
        action="billing.rate_card_uploaded",
        target=card,
        details={"model": card.pricing_model, "effective_from": card.effective_from.isoformat(), "file": filename},
    )
    events_reprice(tenant_id=actor.tenant_id, now=now)
    return card


# --- metering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeteredMessage:
    """A business message delivered (or read) at `occurred_at`, with what its channel knows of it."""

    provider_message_id: str
    occurred_at: datetime
    waba_id: str
    phone_number_id: str
    display_phone_number: str
    recipient: str
    # MARKETING, UTILITY or AUTHENTICATION for a template; "" for any other message.
    template_category: str
    inside_service_window: bool
    inside_entry_point: bool
    # Meta's `pricing` and `conversation` objects from the status webhook, when it had them.
    meta_pricing: Mapping[str, Any] | None = None
    meta_conversation: Mapping[str, Any] | None = None


class _Meter:
    """Running counts of one recording, so events of one batch count each other (free tier, tiers)."""

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self.events = BillableEvent.objects.for_tenant(tenant_id)
        self.cards = selectors.cards_for(tenant_id=tenant_id)
        self.free_tier: Counter[tuple[str, Any]] = Counter()
        self.volume: Counter[tuple[Any, str, str]] = Counter()
        self._loaded_free: set[tuple[str, Any]] = set()
        self._loaded_volume: set[tuple[Any, str, str]] = set()
        # Conversations (CBP) opened by this recording: (number, recipient, category) -> opening times.
        self.opened: dict[tuple[str, str, str], list[datetime]] = {}

    def free_tier_used(self, *, waba_id: str, at: datetime) -> int:
        regime = policy.regime_at(at)
        if not regime.free_tier:
            return 0
        key = (waba_id, policy.month_of(at))
        if key not in self._loaded_free:
            start, end = selectors.month_bounds(key[1])
            self.free_tier[key] += self.events.filter(
                waba_id=waba_id,
                occurred_at__gte=start,
                occurred_at__lt=end,
                our_pricing_model=policy.PricingModel.CONVERSATION,
                our_category__in=[c.value for c in regime.free_tier_categories],
            ).count()
            self._loaded_free.add(key)
        return self.free_tier[key]

    def volume_used(self, *, at: datetime, category: str, country: str) -> int:
        key = (policy.month_of(at), category, country)
        if key not in self._loaded_volume:
            start, end = selectors.month_bounds(key[0])
            self.volume[key] += self.events.filter(
                occurred_at__gte=start,
                occurred_at__lt=end,
                charge=policy.Charge.REGULAR,
                category=category,
                country=country,
                amount__isnull=False,
            ).count()
            self._loaded_volume.add(key)
        return self.volume[key]

    def count(self, event: BillableEvent) -> None:
        """Let the next events of this recording count `event` (free tier, volume tiers, conversations)."""
        month = policy.month_of(event.occurred_at)
        if event.our_pricing_model == policy.PricingModel.CONVERSATION:
            self.opened.setdefault((event.phone_number_id, event.recipient, event.our_category), []).append(
                event.occurred_at
            )
        if event.our_category in policy.regime_at(event.occurred_at).free_tier_categories:
            self.free_tier[(event.waba_id, month)] += 1
        if event.charge == policy.Charge.REGULAR and event.amount is not None:
            self.volume[(month, event.category, event.country)] += 1

    def inside_our_conversation(self, message: MeteredMessage, category: policy.Category) -> bool:
        """CBP without Meta's conversation id: whether one of our own conversations covers it."""
        since = message.occurred_at - policy.CONVERSATION_LENGTH
        previous = (
            self.events.filter(
                phone_number_id=message.phone_number_id,
                recipient=message.recipient,
                our_category=category,
                our_pricing_model=policy.PricingModel.CONVERSATION,
                occurred_at__gt=since,
                occurred_at__lte=message.occurred_at,
            )
            .order_by("-occurred_at")
            .values_list("occurred_at", flat=True)
            .first()
        )
        in_batch = [
            opened
            for opened in self.opened.get((message.phone_number_id, message.recipient, category), [])
            if since < opened <= message.occurred_at
        ]
        latest = max([*in_batch, *([previous] if previous else [])], default=None)
        return not policy.opens_conversation(previous_opened_at=latest, at=message.occurred_at)


def _key(message: MeteredMessage, classification: policy.Classification) -> str:
    if classification.model == policy.PricingModel.CONVERSATION:
        conversation_id = (message.meta_conversation or {}).get("id")
        if conversation_id:
            return f"conversation:{conversation_id}"
        stamp = int(message.occurred_at.timestamp())
        return f"conversation:{message.phone_number_id}:{message.recipient}:{classification.category}:{stamp}"
    return f"message:{message.provider_message_id}"


@transaction.atomic
def events_record(*, tenant_id: int, messages: Sequence[MeteredMessage], now: datetime) -> list[BillableEvent]:
    """Record what each delivered message costs, once: Meta's `pricing` is the authority where the
    webhook had it, our rules otherwise (and always, for the reconciliation). Returns the new events."""
    meter = _Meter(tenant_id)
    known = set(
        meter.events.filter(provider_message_id__in={m.provider_message_id for m in messages}).values_list(
            "provider_message_id", flat=True
        )
    )
    created: list[BillableEvent] = []
    keys: set[str] = set()
    for message in sorted(messages, key=lambda m: (m.occurred_at, m.provider_message_id)):
        if message.provider_message_id in known:
            continue
        event = _event_for(meter, message, now)
        if event is None or event.key in keys:
            continue
        # Per message, `known` holds the ids recorded; a conversation may have been recorded by another message.
        is_conversation = event.pricing_model == policy.PricingModel.CONVERSATION
        if is_conversation and meter.events.filter(key=event.key).exists():
            continue
        keys.add(event.key)
        known.add(message.provider_message_id)
        meter.count(event)
        created.append(event)
    stored = BillableEvent.objects.for_tenant(tenant_id).bulk_create(created, ignore_conflicts=True)
    if stored:
        _check_budget(tenant_id=tenant_id, now=now)
    return stored


def _event_for(meter: _Meter, message: MeteredMessage, now: datetime) -> BillableEvent | None:
    at = message.occurred_at
    category = (
        policy.category_from_meta(message.template_category) or policy.Category.MARKETING
        if message.template_category
        else policy.Category.SERVICE
    )
    facts = policy.EventFacts(
        occurred_at=at,
        category=category,
        is_template=bool(message.template_category),
        inside_service_window=message.inside_service_window,
        inside_entry_point=message.inside_entry_point,
        free_tier_used=meter.free_tier_used(waba_id=message.waba_id, at=at),
    )
    ours = policy.classify(facts)
    final = policy.classify_from_meta(message.meta_pricing, ours=ours, at=at) if message.meta_pricing else ours
    if _inside_our_conversation(meter, message, final):
        return None
    country = policy.country_of(message.recipient)
    event = BillableEvent(
        tenant_id=meter.tenant_id,
        key=_key(message, final),
        provider_message_id=message.provider_message_id,
        waba_id=message.waba_id,
        phone_number_id=message.phone_number_id,
        display_phone_number=message.display_phone_number,
        recipient=message.recipient,
        country=country,
        occurred_at=at,
        pricing_model=final.model,
        category=final.category,
        charge=final.charge,
        rate_category=final.rate_category,
        tiered=final.tiered,
        our_pricing_model=ours.model,
        our_category=ours.category,
        our_charge=ours.charge,
        meta_pricing=dict(message.meta_pricing) if message.meta_pricing else None,
        meta_conversation=dict(message.meta_conversation) if message.meta_conversation else None,
        created_at=now,
    )
    _price(meter, event, final)
    return event


def _inside_our_conversation(meter: _Meter, message: MeteredMessage, final: policy.Classification) -> bool:
    """A message covered by a conversation we opened ourselves (CBP without Meta's conversation id)
    is not billed again; this includes the first day of per-message pricing, since conversations
    opened before the switch ran to their end under the old model."""
    if (message.meta_conversation or {}).get("id"):
        return False
    straddles = message.meta_pricing is None and (
        policy.regime_at(message.occurred_at - policy.CONVERSATION_LENGTH).model == policy.PricingModel.CONVERSATION
    )
    if final.model != policy.PricingModel.CONVERSATION and not straddles:
        return False
    return meter.inside_our_conversation(message, final.category)


def _price(meter: _Meter, event: BillableEvent, classification: policy.Classification) -> None:
    """Set the event's amount from the card in force at its time, or say why it has none."""
    at = event.occurred_at
    card = policy.card_for(meter.cards, model=classification.model, at=at)
    try:
        if card is None:
            raise policy.PricingError(
                policy.PricingProblem.NO_RATE_CARD,
                f"No {classification.model} rate card is in force on {at.date().isoformat()}.",
            )
        volume = 0
        if classification.tiered and classification.charge == policy.Charge.REGULAR:
            volume = meter.volume_used(at=at, category=classification.category, country=event.country)
        event.amount = policy.price(classification, card, country=event.country, volume_used=volume)
        event.currency = card.currency
        event.price_error = event.price_error_message = ""
    except policy.PricingError as error:
        event.amount = None
        event.price_error = error.problem.value
        event.price_error_message = error.message[:300]


@transaction.atomic
def events_reprice(*, tenant_id: int, now: datetime) -> int:
    """Price the events that were kept without a price (their country was missing from the card,
    or no card was in force); returns how many now have one."""
    meter = _Meter(tenant_id)
    priced = 0
    for event in meter.events.select_for_update().filter(amount__isnull=True).order_by("occurred_at", "id"):
        classification = policy.Classification(
            model=policy.PricingModel(event.pricing_model),
            category=policy.Category(event.category),
            charge=policy.Charge(event.charge),
            rate_category=policy.Category(event.rate_category),
            tiered=event.tiered,
        )
        _price(meter, event, classification)
        meter.count(event)
        event.save(update_fields=["amount", "currency", "price_error", "price_error_message"])
        priced += event.amount is not None
    if priced:
        _check_budget(tenant_id=tenant_id, now=now)
    return priced


# --- budget -------------------------------------------------------------------------------


def _billing_url(tenant_id: int) -> str:
    slug = Tenant.objects.filter(pk=tenant_id).values_list("slug", flat=True).first()
    return reverse("billing_usage", kwargs={"tenant_slug": slug}) if slug else ""


def _check_budget(*, tenant_id: int, now: datetime) -> None:
    """Warn owners and admins once a month when 80% of the budget is spent."""
    budget = Budget.objects.for_tenant(tenant_id).select_for_update().first()
    if budget is None:
        return
    month = policy.month_of(now)
    if budget.warned_for == month:
        return
    status = selectors.budget_status(tenant_id=tenant_id, now=now)
    if not status.needs_warning:
        return
    budget.warned_for = month
    budget.save(update_fields=["warned_for"])
    share = round((status.share or Decimal(0)) * 100)
    notify_members(
        tenant_id=tenant_id,
        role=Role.ADMIN,
        kind="billing.budget_warning",
        title=_("%(share)s%% of this month's WhatsApp budget is spent") % {"share": share},
        body=_(
            "%(spent)s of %(budget)s %(currency)s. Past the budget, messages that start conversations "
            "(templates outside the 24-hour window) are refused until an owner raises it."
        )
        % {"spent": f"{status.spent:.2f}", "budget": f"{status.budget:.2f}", "currency": status.currency},
        url=_billing_url(tenant_id),
        now=now,
    )


@transaction.atomic
def budget_set(*, actor: Actor, monthly_amount: str | Decimal, now: datetime) -> Budget:
    """An owner sets (or raises, or lowers) the tenant's monthly WhatsApp budget."""
    if actor.role != Role.OWNER:
        raise PermissionDeniedError(_("Only an owner can set the budget."))
    try:
        amount = Decimal(str(monthly_amount).strip())
    except InvalidOperation:
        amount = Decimal("-1")
    if not amount.is_finite() or amount <= 0 or amount > MAX_BUDGET or amount != round(amount, 2):
        raise ServiceError(
            _("The budget must be an amount above 0 and up to %(max)s, with at most two decimals.")
            % {"max": f"{MAX_BUDGET:,.0f}"},
            code="invalid_budget",
        )
    budget = Budget.objects.for_tenant(actor.tenant_id).select_for_update().first()
    previous = budget.monthly_amount if budget else None
    if budget is None:
        budget = Budget(tenant_id=actor.tenant_id, monthly_amount=amount)
    budget.monthly_amount = amount
    budget.updated_by = actor.user
    budget.updated_at = now
    # A new ceiling earns a new warning when 80% of it is reached.
    budget.warned_for = None
    budget.save()
    audit_record(
        actor=actor,
        action="billing.budget_set",
        target=budget,
        details={"from": None if previous is None else str(previous), "to": str(amount)},
    )
    _check_budget(tenant_id=actor.tenant_id, now=now)
    return budget


# --- plans --------------------------------------------------------------------------------


@transaction.atomic
def plan_change(*, actor: Actor, code: str, numbers_used: int, now: datetime) -> PlanPeriod:
    """An owner moves the tenant to another plan from now on; refused (changing nothing) when the
    tenant uses more seats or numbers than that plan includes. `numbers_used` is counted by the
    channel app, which billing does not read."""
    if actor.role != Role.OWNER:
        raise PermissionDeniedError(_("Only an owner can change the plan."))
    plan = plans.plan_named(code)
    if plan is None or plan is plans.TRIAL:
        raise ServiceError(_("There is no plan “%(code)s” to choose.") % {"code": code[:40]}, code="invalid_plan")
    # Two owners changing the plan at once: one waits for the other, then sees its change.
    list(Tenant.objects.select_for_update().filter(pk=actor.tenant_id).values_list("pk", flat=True))
    if selectors.current_plan(tenant_id=actor.tenant_id, now=now) == plan:
        raise ConflictError(_("You are on the %(plan)s plan already.") % {"plan": plan.name}, code="same_plan")
    refusal = plans.change_refusal(
        plan, seats_used=selectors.seats_used(tenant_id=actor.tenant_id, now=now), numbers_used=numbers_used
    )
    if refusal:
        raise ConflictError(refusal, code="plan_limits_exceeded")
    period = PlanPeriod.objects.for_tenant(actor.tenant_id).create(
        tenant_id=actor.tenant_id, plan=plan.code, starts_at=now, chosen_by=actor.user
    )
    audit_record(actor=actor, action="billing.plan_changed", target=period, details={"plan": plan.code})
    return period


def seat_check(tenant_id: int) -> None:
    """Registered with accounts: refuse a new seat past the plan's count (ServiceError `seat_limit_reached`)."""
    now = timezone.now()
    plan = selectors.current_plan(tenant_id=tenant_id, now=now)
    refusal = plans.seat_refusal(plan, seats_used=selectors.seats_used(tenant_id=tenant_id, now=now))
    if refusal:
        raise ConflictError(refusal, code="seat_limit_reached")


def number_check(*, tenant_id: int, numbers_used: int, now: datetime) -> None:
    """Refuse connecting one more number past the plan's count (ServiceError `number_limit_reached`)."""
    plan = selectors.current_plan(tenant_id=tenant_id, now=now)
    refusal = plans.number_refusal(plan, numbers_used=numbers_used)
    if refusal:
        raise ConflictError(refusal, code="number_limit_reached")


# --- statements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueReport:
    issued: list[Statement]
    # Tenants whose statement of that month existed already, and those that couldn't be issued (why).
    existing: list[Statement]
    failed: list[tuple[int, str]]


def previous_month(now: datetime) -> date:
    return (policy.month_of(now) - timedelta(days=1)).replace(day=1)


def _charged_events(tenant_id: int, *, before: datetime) -> QuerySet[BillableEvent]:
    """Charged, priced events not on a statement yet: the month's, and any earlier one priced late."""
    return BillableEvent.objects.for_tenant(tenant_id).filter(
        statement__isnull=True, charge=policy.Charge.REGULAR, amount__gt=0, occurred_at__lt=before
    )


def _usd_rate(*, day: date) -> policy.ExchangeRate:
    rate = policy.exchange_rate_for(
        selectors.exchange_rates(),
        currency="USD",
        day=day,
        max_age=timedelta(days=settings.BILLING_EXCHANGE_RATE_MAX_AGE_DAYS),
    )
    if rate is None:
        raise ServiceError(
            _(
                "No USD exchange rate published in the %(days)d days up to %(day)s: add the ECB reference rate "
                "to %(file)s, then issue again."
            )
            % {
                "days": settings.BILLING_EXCHANGE_RATE_MAX_AGE_DAYS,
                "day": day.isoformat(),
                "file": settings.BILLING_EXCHANGE_RATES_FILE,
            },
            code="exchange_rate_missing",
        )
    return rate


def _next_number(year: int) -> str:
    """The year's next number, under a row lock held until the statement's transaction ends."""
    StatementCounter.objects.bulk_create([StatementCounter(year=year)], ignore_conflicts=True)
    counter = StatementCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return policy.statement_number(year=year, sequence=counter.last)


@transaction.atomic
def statement_issue(*, tenant_id: int, month: date, now: datetime) -> Statement | None:
    """Issue the tenant's statement of `month` (ended before `now`): the plan fees prorated by day,
    the seats of the month's last plan and the members using them, WhatsApp's charged events (at
    cost or with the plan's margin, less the plan's included template messages) and open credits,
    with VAT by the tenant's country. Returns the statement issued before when there is one, and
    None when there is nothing to bill."""
    month = month.replace(day=1)
    start, end = selectors.month_bounds(month)
    if now < end:
        raise ServiceError(
            _("%(month)s is not over yet: its statement is issued from the 1st of the next month.")
            % {"month": month.strftime("%Y-%m")},
            code="month_not_over",
        )
    # Issuing the same tenant's statement twice at once: the second waits here, then finds the first.
    tenant = Tenant.objects.select_for_update().get(pk=tenant_id)
    existing = Statement.objects.for_tenant(tenant_id).filter(month=month).first()
    if existing is not None:
        return existing
    periods = selectors.plan_periods(tenant_id=tenant_id, until=end)
    fees = plans.prorated_fees(periods, month=month)
    paid_fees = [fee for fee in fees if fee.plan != plans.TRIAL]
    events = list(_charged_events(tenant_id, before=end).select_for_update().order_by("occurred_at", "id"))
    credits = list(
        StatementCredit.objects.for_tenant(tenant_id)
        .select_for_update()
        .filter(statement__isnull=True)
        .order_by("granted_at", "id")
    )
    if not paid_fees and not events and not credits:
        return None
    last_day = end.date() - timedelta(days=1)
    usd = _usd_rate(day=last_day)
    per_eur = {"USD": usd.per_eur, "EUR": Decimal(1)}
    unsupported = sorted({event.currency for event in events} - set(per_eur))
    if unsupported:
        raise ServiceError(
            _("WhatsApp costs in %(currencies)s can't be converted to euros yet.")
            % {"currencies": ", ".join(unsupported)},
            code="currency_unsupported",
        )
    included = plans.included_template_messages(fees, month=month)
    usage = policy.usage_lines(
        [
            policy.ChargedUse(
                occurred_at=event.occurred_at,
                category=policy.Category(event.category),
                country=event.country,
                cost=event.amount or Decimal(0),
                currency=event.currency,
                margin=plans.plan_in_force(periods, at=event.occurred_at).whatsapp_margin,
                may_be_included=event.category != policy.Category.SERVICE and event.occurred_at >= start,
            )
            for event in events
        ],
        per_eur=per_eur,
        included=included,
    )
    vat_rates = selectors.vat_rates()
    vat = policy.vat_decision(
        seller_country=settings.BILLING_SELLER_COUNTRY,
        buyer_country=tenant.country,
        buyer_vat_id=tenant.vat_id,
        rates=vat_rates,
    )
    totals = policy.statement_totals(
        fees=[fee.amount for fee in paid_fees], usage=usage, credits=[credit.amount for credit in credits], vat=vat
    )
    statement = Statement.objects.for_tenant(tenant_id).create(
        tenant_id=tenant_id,
        number=_next_number(now.year),
        month=month,
        issued_at=now,
        currency="EUR",
        legal_name=tenant.legal_name or tenant.name,
        country=tenant.country,
        vat_id=tenant.vat_id,
        address=tenant.address,
        seller=settings.BILLING_SELLER,
        seller_country=settings.BILLING_SELLER_COUNTRY.upper(),
        vat_treatment=vat.treatment,
        vat_country=vat.country,
        vat_rate=vat.rate,
        vat_rates_as_of=vat_rates.as_of,
        exchange_currency=usd.currency,
        exchange_rate=usd.per_eur,
        exchange_rate_day=usd.day,
        exchange_rate_source=usd.source,
        included_messages=included,
        net=totals.net,
        vat=totals.vat,
        total=totals.total,
    )
    lines = [
        StatementLine(
            kind=LineKind.PLAN,
            plan=fee.plan.code,
            description=fee.plan.name,
            first_day=fee.first_day,
            days=fee.days,
            amount=fee.amount,
        )
        for fee in paid_fees
    ]
    last_plan = plans.plan_in_force(periods, at=end - timedelta(microseconds=1))
    if paid_fees and last_plan.seats is not None:
        lines.append(
            StatementLine(
                kind=LineKind.SEATS,
                plan=last_plan.code,
                description=last_plan.name,
                quantity=selectors.members_at(tenant_id=tenant_id, at=end),
                included=last_plan.seats,
                amount=Decimal(0),
            )
        )
    lines += [
        StatementLine(
            kind=LineKind.USAGE,
            category=line.category,
            country=line.country,
            margin=line.margin,
            quantity=line.count,
            included=line.included,
            cost=line.cost,
            cost_currency=line.currency,
            at_cost=line.at_cost,
            margin_amount=line.margin_amount,
            included_amount=line.included_amount,
            amount=line.amount,
        )
        for line in usage
    ]
    lines += [
        StatementLine(kind=LineKind.CREDIT, description=credit.reason, amount=-credit.amount) for credit in credits
    ]
    for position, line in enumerate(lines, start=1):
        line.tenant_id = tenant_id
        line.statement = statement
        line.position = position
    StatementLine.objects.for_tenant(tenant_id).bulk_create(lines)
    _charged_events(tenant_id, before=end).filter(pk__in=[event.pk for event in events]).update(statement=statement)
    StatementCredit.objects.for_tenant(tenant_id).filter(pk__in=[credit.pk for credit in credits]).update(
        statement=statement
    )
    notify_members(
        tenant_id=tenant_id,
        role=Role.OWNER,
        kind="billing.statement_issued",
        title=_("Statement %(number)s for %(month)s: %(total)s EUR")
        % {"number": statement.number, "month": month.strftime("%Y-%m"), "total": f"{statement.total:.2f}"},
        url=reverse("billing_statement", kwargs={"tenant_slug": tenant.slug, "number": statement.number}),
        now=now,
    )
    return statement


def statements_issue(*, month: date, now: datetime) -> IssueReport:
    """Issue every tenant's statement of `month`, each in its own transaction: one tenant's problem
    (e.g. a missing exchange rate) stops only its own. Running it again issues nothing twice."""
    _start, end = selectors.month_bounds(month.replace(day=1))
    tenant_ids = (
        set(PlanPeriod.objects.unscoped().filter(starts_at__lt=end).values_list("tenant_id", flat=True))
        | set(
            BillableEvent.objects.unscoped()
            .filter(statement__isnull=True, charge=policy.Charge.REGULAR, amount__gt=0, occurred_at__lt=end)
            .values_list("tenant_id", flat=True)
        )
        | set(StatementCredit.objects.unscoped().filter(statement__isnull=True).values_list("tenant_id", flat=True))
    )
    report = IssueReport(issued=[], existing=[], failed=[])
    for tenant_id in sorted(tenant_ids):
        try:
            statement = statement_issue(tenant_id=tenant_id, month=month, now=now)
        except ServiceError as error:
            report.failed.append((tenant_id, error.message))
            continue
        if statement is None:
            continue
        (report.issued if statement.issued_at == now else report.existing).append(statement)
    return report


@transaction.atomic
def credit_grant(*, tenant_id: int, amount: str | Decimal, reason: str, now: datetime) -> StatementCredit:
    """Money owed back to a tenant (by us, the operator): deducted on its next statement."""
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value <= 0 or value != round(value, 2) or value > MAX_CREDIT:
        raise ServiceError(_("A credit is an amount above 0 with at most two decimals."), code="invalid_credit")
    if not reason.strip():
        raise ServiceError(_("Say why the credit is given: it is printed on the statement."), code="invalid_credit")
    return StatementCredit.objects.for_tenant(tenant_id).create(
        tenant_id=tenant_id, amount=value, reason=reason.strip()[:300], granted_at=now
    )
