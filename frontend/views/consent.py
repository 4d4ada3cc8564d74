"""Admin pages of consent: the opt-out keywords and their confirmation, and importing contacts
(with their opt-ins and opt-outs) from a CSV file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import TenantRequest, actor_for, role_required
from accounts.errors import ServiceError
from accounts.models import Role
from frontend.forms import ConsentSettingsForm, ContactImportForm
from inbox import selectors
from inbox.consent import DEFAULT_OPT_OUT_CONFIRMATION, DEFAULT_OPT_OUT_KEYWORDS
from inbox.services.consent import MAX_IMPORT_BYTES, ImportReport, consent_settings_update, contacts_import_csv

# The last import's report rides in the session for one page view (post/redirect/get).
IMPORT_REPORT_SESSION_KEY = "contacts_import_report"
# Rejected rows kept for the page; the API answers every one.
REPORT_ROWS_SHOWN = 500


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def consent_settings(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    tenant = request.tenant
    if request.method == "POST" and "reset" in request.POST:
        consent_settings_update(
            tenant=tenant,
            actor=actor_for(request),
            keywords=DEFAULT_OPT_OUT_KEYWORDS,
            confirmation=DEFAULT_OPT_OUT_CONFIRMATION,
        )
        messages.success(request, _("The opt-out keywords and confirmation are back to the defaults."))
        return redirect("settings_consent", tenant_slug=tenant.slug)
    current = selectors.consent_settings(tenant=tenant)
    initial = {
        "keywords": "\n".join(current.opt_out_keywords),
        "confirmation": current.opt_out_confirmation,
        "double_opt_in": current.double_opt_in,
    }
    form = ConsentSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            consent_settings_update(
                tenant=tenant,
                actor=actor_for(request),
                keywords=form.cleaned_data["keywords"],
                confirmation=form.cleaned_data["confirmation"],
                double_opt_in=form.cleaned_data["double_opt_in"],
            )
        except ServiceError as error:
            form.add_error("confirmation" if error.code.startswith("confirmation") else "keywords", error.message)
        else:
            messages.success(request, _("Consent settings saved."))
            return redirect("settings_consent", tenant_slug=tenant.slug)
    context = {"form": form, "default_keywords": DEFAULT_OPT_OUT_KEYWORDS}
    return render(request, "frontend/settings/consent.html", context, status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def contacts_import(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    tenant = request.tenant
    form = ContactImportForm(request.POST, request.FILES) if request.method == "POST" else ContactImportForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = contacts_import_csv(
                tenant=tenant,
                actor=actor_for(request),
                file_bytes=upload.read(MAX_IMPORT_BYTES + 1),
                filename=upload.name or "",
            )
        except ServiceError as error:
            form.add_error("file", error.message)
        else:
            request.session[IMPORT_REPORT_SESSION_KEY] = {"tenant": tenant.pk, **_report_for_session(report)}
            return redirect("contacts_import", tenant_slug=tenant.slug)
    report_data = request.session.get(IMPORT_REPORT_SESSION_KEY)
    if report_data is not None and report_data.get("tenant") == tenant.pk:
        del request.session[IMPORT_REPORT_SESSION_KEY]
    else:
        report_data = None  # none, or imported in another workspace of this person: shown there
    context = {"form": form, "report": report_data}
    return render(request, "frontend/contacts/import.html", context, status=400 if form.errors else 200)


def _report_for_session(report: ImportReport) -> dict[str, Any]:
    return {
        "filename": report.filename,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "consent_recorded": report.consent_recorded,
        "rejected_count": len(report.rejected),
        "rejected": [{"line": row.line, "reason": row.reason} for row in report.rejected[:REPORT_ROWS_SHOWN]],
        "rejected_not_shown": max(len(report.rejected) - REPORT_ROWS_SHOWN, 0),
        "ignored_columns": list(report.ignored_columns),
    }
