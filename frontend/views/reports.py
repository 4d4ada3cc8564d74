"""The reports page: the inbox's figures over the last 7, 30 or 90 days as charts and tables, and
each chart's figures as CSV (`?format=csv&chart=...`)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from accounts.access import TenantRequest, role_required
from accounts.models import Role
from frontend.charts import DURATION_STEPS, Series, bar_chart, line_chart
from inbox import reports

DEFAULT_PERIOD_DAYS = 30
CSV_CHARTS = ("conversations", "response_times", "channels", "agents")
# Spreadsheets run a cell that starts with one of these as a formula; names come from customers and staff.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def format_duration(seconds: float | None) -> str:
    """A duration as a person reads it: "45 s", "12 min", "3 h 05 min", "2 d 4 h"; "—" for none."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return _("%(seconds)d s") % {"seconds": whole}
    if whole < 3600:
        return _("%(minutes)d min") % {"minutes": whole // 60}
    if whole < 86400:
        hours, minutes = divmod(whole // 60, 60)
        if not minutes:
            return _("%(hours)d h") % {"hours": hours}
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(whole // 3600, 24)
    if not hours:
        return _("%(days)d d") % {"days": days}
    return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}


def _count(value: float) -> str:
    return str(round(value))


def _csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv_rows(report: reports.Report, chart: str) -> tuple[Sequence[str], Iterable[Sequence[object]]]:
    if chart == "conversations":
        return ("date", "opened", "resolved"), (
            (row.day.isoformat(), row.opened, row.resolved) for row in report.per_day
        )
    if chart == "response_times":
        times = report.response_times
        return ("measure", "p50_seconds", "p90_seconds", "measured"), (
            ("first_response", times.first_response.p50, times.first_response.p90, times.first_response.count),
            ("resolution", times.resolution.p50, times.resolution.p90, times.resolution.count),
        )
    if chart == "channels":
        return ("channel", "inbound", "outbound"), ((row.name, row.inbound, row.outbound) for row in report.channels)
    return ("agent", "email", "messages_sent", "conversations_resolved"), (
        (row.name, row.email, row.messages_sent, row.conversations_resolved) for row in report.agents
    )


def _csv_response(report: reports.Report, chart: str, tenant_slug: str) -> HttpResponse:
    header, rows = _csv_rows(report, chart)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{tenant_slug}-{chart}-{report.period.days}d-{report.period.end.date().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return response


def _bad_request(request: TenantRequest, message: str) -> HttpResponse:
    context = {"title": _("Reports"), "text": message}
    return render(request, "frontend/errors/error.html", context, status=400)


def _pair(first: tuple[str, Sequence[float]], second: tuple[str, Sequence[float]]) -> list[Series]:
    """Every chart here compares two figures, in the page's two series colours."""
    return [Series(first[0], first[1], "series-1"), Series(second[0], second[1], "series-2")]


def _count_bars(
    *,
    chart_id: str,
    title: str,
    categories: list[str],
    first: tuple[str, Sequence[float]],
    second: tuple[str, Sequence[float]],
) -> SafeString | None:
    if not categories:
        return None
    return bar_chart(
        chart_id=chart_id, title=title, categories=categories, series=_pair(first, second), format_value=_count
    )


def _charts(report: reports.Report) -> dict[str, SafeString | None]:
    times = report.response_times
    return {
        "conversations": line_chart(
            chart_id="chart-conversations",
            title=_("Conversations opened and resolved per day"),
            x_labels=[date_format(row.day, "j M") for row in report.per_day],
            series=_pair(
                (_("Opened"), [row.opened for row in report.per_day]),
                (_("Resolved"), [row.resolved for row in report.per_day]),
            ),
            format_value=_count,
        ),
        "response_times": bar_chart(
            chart_id="chart-response-times",
            title=_("First response and resolution times"),
            categories=[_("First response"), _("Resolution")],
            series=_pair(
                (_("Median (p50)"), [times.first_response.p50 or 0, times.resolution.p50 or 0]),
                (_("90th percentile (p90)"), [times.first_response.p90 or 0, times.resolution.p90 or 0]),
            ),
            format_value=format_duration,
            steps=DURATION_STEPS,
        ),
        "channels": _count_bars(
            chart_id="chart-channels",
            title=_("Messages per WhatsApp number"),
            categories=[row.name for row in report.channels],
            first=(_("Received"), [row.inbound for row in report.channels]),
            second=(_("Sent"), [row.outbound for row in report.channels]),
        ),
        "agents": _count_bars(
            chart_id="chart-agents",
            title=_("Messages sent and conversations resolved per agent"),
            categories=[row.name for row in report.agents],
            first=(_("Messages sent"), [row.messages_sent for row in report.agents]),
            second=(_("Conversations resolved"), [row.conversations_resolved for row in report.agents]),
        ),
    }


@role_required(Role.ADMIN)
@require_GET
def report_page(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    period_text = request.GET.get("period", str(DEFAULT_PERIOD_DAYS))
    if period_text not in {str(days) for days in reports.PERIOD_DAYS}:
        return _bad_request(request, _("Choose a period of 7, 30 or 90 days."))
    period = reports.period_ending(now=timezone.now(), days=int(period_text))
    wants_csv = request.GET.get("format") == "csv"
    chart = request.GET.get("chart", "")
    if wants_csv and chart not in CSV_CHARTS:
        return _bad_request(request, _("There is no chart called “%(chart)s” to export.") % {"chart": chart[:40]})
    report = reports.report(tenant=request.tenant, period=period)
    if wants_csv:
        return _csv_response(report, chart, request.tenant.slug)
    times = report.response_times
    context = {
        "report": report,
        "charts": _charts(report),
        "periods": [
            (days, ngettext("Last %(days)d day", "Last %(days)d days", days) % {"days": days})
            for days in reports.PERIOD_DAYS
        ],
        "totals": {
            "opened": sum(row.opened for row in report.per_day),
            "resolved": sum(row.resolved for row in report.per_day),
            "first_response_p50": format_duration(times.first_response.p50),
            "resolution_p50": format_duration(times.resolution.p50),
        },
        "durations": {
            "first_response": (format_duration(times.first_response.p50), format_duration(times.first_response.p90)),
            "resolution": (format_duration(times.resolution.p50), format_duration(times.resolution.p90)),
        },
    }
    return render(request, "frontend/reports.html", context)
