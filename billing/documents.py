"""An issued statement as people read it (the HTML page, the PDF) and as programs read it (the CSV).

The wording of every line is made here once, from the figures the statement stored when it was
issued, so the three forms always agree.
"""

from __future__ import annotations

import csv
import io
from calendar import monthrange
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from billing import plans, policy
from billing.models import LineKind, Statement, StatementLine

CATEGORY_LABELS = {
    policy.Category.MARKETING: gettext_lazy("Marketing"),
    policy.Category.UTILITY: gettext_lazy("Utility"),
    policy.Category.AUTHENTICATION: gettext_lazy("Authentication"),
    policy.Category.SERVICE: gettext_lazy("Service"),
}


@dataclass(frozen=True)
class DocumentLine:
    line: StatementLine
    description: str
    detail: str


@dataclass(frozen=True)
class StatementDocument:
    statement: Statement
    title: str
    lines: list[DocumentLine]
    vat_label: str
    # What the statement says about VAT and the exchange rate, below the totals.
    notes: list[str]


def _money(amount: Decimal, currency: str = "EUR") -> str:
    return f"{amount:,.2f} {currency}"


def _describe(line: StatementLine, statement: Statement) -> tuple[str, str]:
    if line.kind == LineKind.PLAN and line.first_day and line.days:
        plan = plans.plan_named(line.plan)
        last_day = line.first_day + timedelta(days=line.days - 1)
        days_in_month = monthrange(statement.month.year, statement.month.month)[1]
        return (
            _("%(plan)s plan") % {"plan": plan.name if plan else line.description},
            _("%(first)s to %(last)s: %(days)d of %(month_days)d days")
            % {
                "first": date_format(line.first_day),
                "last": date_format(last_day),
                "days": line.days,
                "month_days": days_in_month,
            },
        )
    if line.kind == LineKind.SEATS:
        plan = plans.plan_named(line.plan)
        return (
            _("Seats: %(members)d of %(seats)d in use") % {"members": line.quantity, "seats": line.included},
            _("Members at the end of the month; the %(plan)s plan includes %(seats)d seats in its fee.")
            % {"plan": plan.name if plan else line.description, "seats": line.included},
        )
    if line.kind == LineKind.USAGE:
        category = CATEGORY_LABELS.get(policy.Category(line.category), line.category)
        description = _("WhatsApp %(category)s, %(country)s: %(count)d charged") % {
            "category": str(category).lower(),
            "country": line.country or _("unknown country"),
            "count": line.quantity,
        }
        parts = [
            _("%(cost)s at cost: %(amount)s")
            % {"cost": f"{line.cost:.4f} {line.cost_currency}", "amount": _money(line.at_cost or Decimal(0))}
        ]
        if line.margin:
            parts.append(
                _("margin %(percent)s%%: %(amount)s")
                % {"percent": (line.margin * 100).normalize(), "amount": _money(line.margin_amount or Decimal(0))}
            )
        if line.included:
            parts.append(
                _("%(count)d included in the plan: -%(amount)s")
                % {"count": line.included, "amount": _money(line.included_amount or Decimal(0))}
            )
        return description, "; ".join(parts)
    return _("Credit"), line.description


def _vat_label(statement: Statement) -> str:
    if statement.vat_treatment == policy.VatTreatment.REVERSE_CHARGE:
        return _("VAT 0% (reverse charge)")
    if statement.vat_treatment == policy.VatTreatment.OUTSIDE_EU:
        return _("VAT 0% (not in scope of EU VAT)")
    return _("VAT %(rate)s%% (%(country)s)") % {
        "rate": statement.vat_rate.normalize(),
        "country": statement.vat_country,
    }


def _vat_note(statement: Statement) -> str:
    if statement.vat_treatment == policy.VatTreatment.REVERSE_CHARGE:
        return _(
            "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive "
            "2006/112/EC). Customer VAT number: %(vat_id)s."
        ) % {"vat_id": statement.vat_id}
    if statement.vat_treatment == policy.VatTreatment.OUTSIDE_EU:
        return _(
            "Not in scope of EU VAT: the customer is established outside the European Union "
            "(Council Directive 2006/112/EC, place of supply of services)."
        )
    if statement.vat_treatment == policy.VatTreatment.EU_CONSUMER:
        return _("VAT at the rate of %(country)s, where the customer is established (no VAT number given).") % {
            "country": statement.vat_country
        }
    return _("VAT at the rate of %(country)s.") % {"country": statement.vat_country}


def statement_document(statement: Statement, lines: list[StatementLine]) -> StatementDocument:
    notes = [
        _vat_note(statement),
        _("EU VAT rates as of %(date)s.") % {"date": date_format(statement.vat_rates_as_of)},
        _(
            "WhatsApp's costs are charged by Meta in %(currency)s and converted at the ECB reference rate of "
            "%(date)s: 1 EUR = %(rate)s %(currency)s."
        )
        % {
            "currency": statement.exchange_currency,
            "date": date_format(statement.exchange_rate_day),
            "rate": statement.exchange_rate.normalize(),
        },
    ]
    if statement.included_messages:
        notes.append(
            _("Your plan includes %(count)d template messages this month: the first ones sent are deducted.")
            % {"count": statement.included_messages}
        )
    return StatementDocument(
        statement=statement,
        title=_("Statement %(number)s, %(month)s")
        % {"number": statement.number, "month": date_format(statement.month, "F Y")},
        lines=[DocumentLine(line, *_describe(line, statement)) for line in lines],
        vat_label=_vat_label(statement),
        notes=notes,
    )


CSV_HEADER = [
    "number",
    "month",
    "position",
    "kind",
    "description",
    "detail",
    "category",
    "country",
    "quantity",
    "included",
    "cost",
    "cost_currency",
    "at_cost_eur",
    "margin_eur",
    "included_eur",
    "amount_eur",
]


def statement_csv(document: StatementDocument) -> str:
    """One row per line, then the net, VAT and total rows; amounts as plain decimals."""
    statement = document.statement
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    month = statement.month.strftime("%Y-%m")

    def blank(value: object) -> str:
        return "" if value is None else str(value)

    for item in document.lines:
        line = item.line
        writer.writerow(
            [
                statement.number,
                month,
                line.position,
                line.kind,
                item.description,
                item.detail,
                line.category,
                line.country,
                line.quantity,
                line.included,
                blank(line.cost),
                line.cost_currency,
                blank(line.at_cost),
                blank(line.margin_amount),
                blank(line.included_amount),
                line.amount,
            ]
        )
    for kind, label, amount in (
        ("net", _("Net"), statement.net),
        ("vat", document.vat_label, statement.vat),
        ("total", _("Total"), statement.total),
    ):
        writer.writerow([statement.number, month, "", kind, label, *[""] * 10, amount])
    return out.getvalue()


# DejaVu Sans (free licence, beside it): names and addresses in every EU language; the PDF's
# built-in fonts have Latin-1 only (no Ł, Ő, Č or Greek). Only the letters used are embedded.
FONT = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"


def statement_pdf(document: StatementDocument) -> bytes:
    statement = document.statement
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_title(document.title)
    pdf.set_creator("Relay")
    pdf.add_page()
    pdf.set_font("DejaVu", size=16)
    pdf.cell(0, 10, document.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=9)
    pdf.multi_cell(0, 5, statement.seller, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font("DejaVu", size=11)
    pdf.cell(0, 5, _("Bill to"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=10)
    customer = [statement.legal_name, statement.address, statement.country]
    if statement.vat_id:
        customer.append(_("VAT number: %(vat_id)s") % {"vat_id": statement.vat_id})
    pdf.multi_cell(0, 5, "\n".join(part for part in customer if part), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.cell(
        0,
        5,
        _("Issued %(date)s") % {"date": date_format(statement.issued_at.date())},
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)
    headings = FontFace(emphasis="", color=(79, 91, 102), fill_color=(243, 244, 246))
    with pdf.table(
        col_widths=(60, 90, 30), text_align=("LEFT", "LEFT", "RIGHT"), line_height=5, padding=1, headings_style=headings
    ) as table:
        table.row([_("Item"), _("Detail"), _("Amount")])
        for item in document.lines:
            table.row([item.description, item.detail, _money(item.line.amount)])
        for label, amount in (
            (_("Net"), statement.net),
            (document.vat_label, statement.vat),
            (_("Total"), statement.total),
        ):
            table.row([label, "", _money(amount)])
    pdf.ln(4)
    pdf.set_font("DejaVu", size=8)
    for note in document.notes:
        pdf.multi_cell(0, 4, note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
