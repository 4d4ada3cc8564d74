"""Usage and billing pages: a month's WhatsApp spend against the budget, by day, category and
country; where our pricing and Meta's differ; the owner's budget and rate card; the monthly
statements (HTML, CSV, PDF); and the expected cost of a broadcast before it is sent.

Owners and admins see usage; only owners see statements and change the budget or the rate card.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import TenantRequest, actor_for, role_required
from accounts.errors import ServiceError
from accounts.models import Role
from billing import plans, policy, selectors, services
from billing.api.views import parse_month
from billing.documents import (
    CATEGORY_LABELS,
    StatementDocument,
    statement_csv,
    statement_document,
    statement_pdf,
)
from frontend.charts import Series, bar_chart, line_chart
from frontend.views.broadcasts import BroadcastForm
from inbox.models import Channel
from inbox.services.broadcasts import MAX_FILE_BYTES, PHONE_COLUMN
from inbox.services.consent import read_csv
from whatsapp.models import WhatsAppNumber
from whatsapp.services.metering import send_estimate

# Money axes go down to tenths of a cent.
MONEY_STEPS = tuple(base * 10.0**power for power in range(-3, 8) for base in (1, 2, 5))


class BudgetForm(forms.Form):
    monthly_amount = forms.DecimalField(
        label=gettext_lazy("Monthly budget (USD)"),
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        help_text=gettext_lazy(
            "Owners and admins are told at 80%. Past 100%, messages that start a conversation are refused "
            "until an owner raises the budget; replies inside the 24-hour window still go."
        ),
    )


class RateCardForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Rate card (CSV)"),
        allow_empty_file=True,
        help_text=gettext_lazy(
            "Lines “# model: PMP”, “# effective_from: YYYY-MM-DD”, “# currency: USD” and “# source: …”, "
            "then the columns country,category,volume_from,price. A file with any error changes nothing."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


def _money(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") if value else "0"


def _bars(chart_id: str, title: str, rows: Sequence[selectors.UsageRow], labels: dict[str, str]) -> SafeString | None:
    if not rows:
        return None
    return bar_chart(
        chart_id=chart_id,
        title=title,
        categories=[labels.get(row.key, row.key) for row in rows],
        series=[Series(_("Cost"), [float(row.amount) for row in rows], "series-1")],
        format_value=_money,
        steps=MONEY_STEPS,
    )


def _country_labels(rows: Sequence[selectors.UsageRow]) -> dict[str, str]:
    return {row.key: row.key or _("Unknown") for row in rows}


def _spend_against_budget(usage: selectors.Usage, status: selectors.BudgetStatus, *, today: date) -> SafeString | None:
    """The month's spending added up day by day (up to today in the current month), against the
    budget's line: where the month is heading before the ceiling is reached."""
    last = (usage.month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    last = min(last, today) if usage.month <= today else last
    days = [usage.month + timedelta(days=offset) for offset in range((last - usage.month).days + 1)]
    spent_by_day = {row.key: row.amount for row in usage.by_day}
    running, totals = Decimal(0), []
    for day in days:
        running += spent_by_day.get(day.isoformat(), Decimal(0))
        totals.append(float(running))
    if not running and not status.budget:
        return None
    series = [Series(_("Spent (%(currency)s)") % {"currency": usage.currency}, totals, "series-1")]
    if status.budget and status.currency == usage.currency:
        series.append(Series(_("Budget"), [float(status.budget)] * len(days), "series-2"))
    return line_chart(
        chart_id="chart-spend-budget",
        title=_("Spent so far this month against the budget"),
        x_labels=[date_format(day, "j M") for day in days],
        series=series,
        format_value=_money,
    )


def _month_links(month: date, today: date) -> dict[str, str | None]:
    previous = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return {
        "previous": previous.strftime("%Y-%m"),
        "next": following.strftime("%Y-%m") if following <= today else None,
    }


def _month_or_none(request: TenantRequest) -> date | None:
    try:
        return parse_month(request.GET.get("month"), default=policy.month_of(timezone.now()))
    except ServiceError:
        return None


def _bad_month(request: TenantRequest, title: str) -> HttpResponse:
    context = {"title": title, "text": _("Choose a month written as YYYY-MM, e.g. 2026-11.")}
    return render(request, "frontend/errors/error.html", context, status=400)


@role_required(Role.ADMIN)
@require_GET
def usage_page(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    month = _month_or_none(request)
    if month is None:
        return _bad_month(request, _("Usage"))
    now = timezone.now()
    tenant_id = request.tenant.pk
    usage = selectors.usage(tenant_id=tenant_id, month=month)
    status = selectors.budget_status(tenant_id=tenant_id, now=now)
    is_owner = request.membership.role == Role.OWNER
    category_labels = {str(key): str(label) for key, label in CATEGORY_LABELS.items()}
    context: dict[str, object] = {
        "usage": usage,
        "month": month,
        "months": _month_links(month, policy.month_of(now)),
        "is_current_month": month == policy.month_of(now),
        "status": status,
        "budget_percent": min(100, round((status.share or 0) * 100)),
        "is_owner": is_owner,
        "budget_form": BudgetForm(initial={"monthly_amount": status.budget}) if is_owner else None,
        "rate_card_form": RateCardForm() if is_owner else None,
        "rate_cards": selectors.rate_cards(tenant_id=tenant_id),
        "plan": selectors.current_plan(tenant_id=tenant_id, now=now) if is_owner else None,
        "statements": selectors.statements(tenant_id=tenant_id)[:3] if is_owner else [],
        "plans": plans.PLANS,
        "seats_used": selectors.seats_used(tenant_id=tenant_id, now=now),
        "numbers_used": WhatsAppNumber.objects.for_tenant(tenant_id).count(),
        "differences": len(selectors.reconciliation(tenant_id=tenant_id, month=month)),
        "category_labels": category_labels,
        "charts": {
            "against_budget": _spend_against_budget(usage, status, today=now.date()),
            "by_day": line_chart(
                chart_id="chart-spend-day",
                title=_("WhatsApp cost per day"),
                x_labels=[date_format(date.fromisoformat(row.key), "j M") for row in usage.by_day],
                # In cents: the chart's axis steps start at 1, and a day's cost is often less.
                series=[
                    Series(
                        _("Cost (cents of %(currency)s)") % {"currency": usage.currency},
                        [float(row.amount * 100) for row in usage.by_day],
                        "series-1",
                    )
                ],
                format_value=_money,
            )
            if usage.by_day
            else None,
            "by_category": _bars("chart-spend-category", _("Cost by category"), usage.by_category, category_labels),
            "by_country": _bars(
                "chart-spend-country", _("Cost by country"), usage.by_country, _country_labels(usage.by_country)
            ),
        },
    }
    return render(request, "frontend/billing/usage.html", context)


@role_required(Role.ADMIN)
@require_GET
def reconciliation_page(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    month = _month_or_none(request)
    if month is None:
        return _bad_month(request, _("Reconciliation"))
    context: dict[str, object] = {
        "month": month,
        "events": selectors.reconciliation(tenant_id=request.tenant.pk, month=month),
        "unpriced": selectors.unpriced_events(tenant_id=request.tenant.pk),
        "category_labels": {str(key): str(label) for key, label in CATEGORY_LABELS.items()},
    }
    return render(request, "frontend/billing/reconciliation.html", context)


@role_required(Role.OWNER)
@require_GET
def statements_page(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    context = {"statements": selectors.statements(tenant_id=request.tenant.pk)}
    return render(request, "frontend/billing/statements.html", context)


def _statement_document(request: TenantRequest, number: str) -> StatementDocument:
    statement = selectors.statement_by_number(tenant_id=request.tenant.pk, number=number)
    if statement is None:
        raise Http404
    return statement_document(statement, selectors.statement_lines(statement=statement))


@role_required(Role.OWNER)
@require_GET
def statement_page(request: TenantRequest, tenant_slug: str, number: str) -> HttpResponse:
    document = _statement_document(request, number)
    return render(request, "frontend/billing/statement.html", {"document": document})


# The downloads of a statement: how it is written and its content type.
DOWNLOADS = {
    "csv": (statement_csv, "text/csv; charset=utf-8"),
    "pdf": (statement_pdf, "application/pdf"),
}


@role_required(Role.OWNER)
@require_GET
def statement_download(request: TenantRequest, tenant_slug: str, number: str, file_format: str) -> HttpResponse:
    document = _statement_document(request, number)
    write, content_type = DOWNLOADS[file_format]
    response = HttpResponse(write(document), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.statement.number}.{file_format}"'
    return response


def _owner_only(request: TenantRequest) -> None:
    if request.membership.role != Role.OWNER:
        raise PermissionDenied


@require_POST
def budget_update(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    _owner_only(request)
    form = BudgetForm(request.POST)
    if form.is_valid():
        try:
            budget = services.budget_set(
                actor=actor_for(request), monthly_amount=form.cleaned_data["monthly_amount"], now=timezone.now()
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The monthly budget is now %(amount)s USD.") % {"amount": f"{budget.monthly_amount:.2f}"}
            )
    else:
        messages.error(request, " ".join(str(e) for e in form.errors.get("monthly_amount", [])))
    return redirect("billing_usage", tenant_slug=request.tenant.slug)


@require_POST
def plan_update(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    _owner_only(request)
    try:
        period = services.plan_change(
            actor=actor_for(request),
            code=request.POST.get("plan", ""),
            numbers_used=WhatsAppNumber.objects.for_tenant(request.tenant).count(),
            now=timezone.now(),
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        plan = plans.plan_named(period.plan)
        messages.success(request, _("You are now on the %(plan)s plan.") % {"plan": plan.name if plan else period.plan})
    return redirect("billing_usage", tenant_slug=request.tenant.slug)


@require_POST
def rate_card_upload(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    _owner_only(request)
    form = RateCardForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a rate card file to upload."))
        return redirect("billing_usage", tenant_slug=request.tenant.slug)
    upload = form.cleaned_data["file"]
    try:
        card = services.rate_card_upload(
            actor=actor_for(request),
            filename=upload.name,
            content=upload.read(services.MAX_CARD_BYTES + 1),
            now=timezone.now(),
        )
    except ServiceError as error:
        rows = error.details or []
        context = {"error": error.message, "rows": rows, "filename": upload.name}
        return render(request, "frontend/billing/rate_card_errors.html", context, status=400)
    messages.success(
        request,
        _("Your %(model)s rate card from %(date)s is in use.")
        % {"model": card.pricing_model, "date": date_format(card.effective_from)},
    )
    return redirect("billing_usage", tenant_slug=request.tenant.slug)


def template_costs(*, channel: Channel, phone: str, categories: Iterable[str], now: datetime) -> dict[str, str]:
    """What one template of each category would cost sent to `phone` now, as the composer shows it:
    "0.1365 USD", "free", or "" when it can't be priced."""
    costs = {}
    for category in set(categories):
        result = send_estimate(channel=channel, category=category, phones=[phone], now=now)
        if result.unpriced:
            costs[category] = ""
        elif result.charged:
            costs[category] = f"{result.total.normalize():f} {result.currency}"
        else:
            costs[category] = _("free")
    return costs


@require_POST
def broadcast_estimate(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    """The broadcast form's expected cost, asked by htmx whenever the template or the file changes."""
    form = BroadcastForm(request.POST, request.FILES, tenant=request.tenant)
    context: dict[str, object] = {"estimate": None, "problem": ""}
    if form.is_valid():
        try:
            header, rows = read_csv(form.cleaned_data["file"].read(MAX_FILE_BYTES + 1))
        except ServiceError as error:
            context["problem"] = error.message
        else:
            column = header.index(PHONE_COLUMN) if PHONE_COLUMN in header else 0
            phones = [cells[column] for _line, cells in rows if len(cells) > column and cells[column].strip()]
            template = form.cleaned_data["template"]
            context["estimate"] = send_estimate(
                channel=form.cleaned_data["channel"], category=template.category, phones=phones, now=timezone.now()
            )
            context["category"] = template.get_category_display()
    return render(request, "frontend/billing/_estimate.html", context)
