"""A tenant's settings pages: general, team and invitations, API keys, audit log; and a member's
own preferences."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy, security, selectors, services
from accounts.access import TenantRequest, actor_for, role_required
from accounts.errors import ServiceError
from accounts.models import ApiKey, AuditLog, Invitation, Membership, Role, Tenant
from frontend.forms import (
    ApiKeyForm,
    AuditFilterForm,
    CompanyDetailsForm,
    InvitationForm,
    PreferencesForm,
    RoleForm,
    TenantSettingsForm,
)
from frontend.views.automation import form_saved

AUDIT_PAGE_SIZE = 50


def company_initial(tenant: Tenant) -> dict[str, str]:
    return {key: getattr(tenant, key) for key in ("legal_name", "country", "vat_id", "address")}


def tenant_update_from(request: TenantRequest, form: CompanyDetailsForm, **settings: Any) -> bool:
    """Save the settings; a refusal (a VAT number of the wrong form...) goes on the form's field."""
    return form_saved(
        form, lambda _data: services.tenant_update(tenant=request.tenant, actor=actor_for(request), **settings)
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def general(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    tenant = request.tenant
    initial = {
        "name": tenant.name,
        "data_region": tenant.data_region,
        "message_retention_days": tenant.message_retention_days,
        "default_language": tenant.default_language,
        "require_two_factor": tenant.require_two_factor,
        **company_initial(tenant),
    }
    form = TenantSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and tenant_update_from(request, form, **form.settings()):
        if not request.membership.user.language:
            # The confirmation, and the page after it, in the language just chosen.
            translation.activate(tenant.default_language)
        messages.success(request, _("Settings saved."))
        return redirect("settings_general", tenant_slug=tenant.slug)
    return render(request, "frontend/settings/general.html", {"form": form}, status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def team(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                tenant=request.tenant, actor=actor_for(request), **form.cleaned_data
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("settings_team", tenant_slug=request.tenant.slug)
    actor_role = request.membership.role
    members = [
        {
            "membership": membership,
            "manageable": membership.pk != request.membership.pk
            and policy.can_manage_member(actor_role=actor_role, member_role=membership.role),
        }
        for membership in selectors.tenant_members(request.tenant)
    ]
    grantable = [
        (value, label) for value, label in Role.choices if policy.can_grant_role(actor_role=actor_role, role=value)
    ]
    context = {
        "form": form,
        "members": members,
        "grantable_roles": grantable,
        "invitations": selectors.invitations_open(tenant=request.tenant, now=timezone.now()),
    }
    return render(request, "frontend/settings/team.html", context, status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_POST
def member_role(request: TenantRequest, tenant_slug: str, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
    else:
        try:
            services.membership_change_role(
                membership=membership, actor=actor_for(request), role=form.cleaned_data["role"]
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(email)s is now %(role)s.")
                % {"email": membership.user.email, "role": membership.get_role_display()},
            )
    return redirect("settings_team", tenant_slug=request.tenant.slug)


@role_required(Role.ADMIN)
@require_POST
def member_remove(request: TenantRequest, tenant_slug: str, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id)
    try:
        services.membership_remove(membership=membership, actor=actor_for(request))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(email)s was removed.") % {"email": membership.user.email})
    return redirect("settings_team", tenant_slug=request.tenant.slug)


@role_required(Role.ADMIN)
@require_POST
def invitation_revoke(request: TenantRequest, tenant_slug: str, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects, pk=invitation_id)
    try:
        services.invitation_revoke(invitation=invitation, actor=actor_for(request))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("settings_team", tenant_slug=request.tenant.slug)


NEW_API_KEY_SESSION_KEY = "new_api_key_secret"


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def api_keys(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _api_key, secret = services.api_key_create(
                tenant=request.tenant, actor=actor_for(request), **form.cleaned_data
            )
        except ServiceError as error:
            form.add_error("name", error.message)
        else:
            # Post/redirect/get, so reloading can't create a second key; the secret rides in
            # the session for exactly one page view.
            request.session[NEW_API_KEY_SESSION_KEY] = secret
            return redirect("settings_api_keys", tenant_slug=request.tenant.slug)
    context = {
        "form": form,
        "new_secret": request.session.pop(NEW_API_KEY_SESSION_KEY, None),
        "api_keys": selectors.api_keys(request.tenant),
    }
    return render(request, "frontend/settings/api_keys.html", context, status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_POST
def api_key_revoke(request: TenantRequest, tenant_slug: str, api_key_id: int) -> HttpResponse:
    api_key = get_object_or_404(ApiKey.objects, pk=api_key_id)
    services.api_key_revoke(api_key=api_key, actor=actor_for(request))
    messages.success(request, _("Key “%(name)s” revoked. Requests with it now fail.") % {"name": api_key.name})
    return redirect("settings_api_keys", tenant_slug=request.tenant.slug)


def _day_start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


@role_required(Role.ADMIN)
def audit_log(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    """The workspace's audit log, newest first, filtered by who, what and when; read only."""
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        until = form.cleaned_data["until"]
        filters = {
            "actor": form.cleaned_data["actor"].strip(),
            "action": form.cleaned_data["action"].strip(),
            "since": _day_start(form.cleaned_data["since"]),
            # The whole "to" day counts.
            "until": _day_start(until + timedelta(days=1) if until else None),
        }
    entries = selectors.audit_entries(request.tenant, **filters)
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(id__lt=int(before))
    page: list[AuditLog] = list(entries[: AUDIT_PAGE_SIZE + 1])
    has_more = len(page) > AUDIT_PAGE_SIZE
    page = page[:AUDIT_PAGE_SIZE]
    older = request.GET.copy()
    if has_more:
        older["before"] = str(page[-1].pk)
    context = {
        "form": form,
        "entries": page,
        "older_query": older.urlencode() if has_more else None,
        "actions": selectors.audit_actions(request.tenant),
    }
    return render(request, "frontend/settings/audit_log.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def preferences(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    """Any member's own settings: for now, the language of the interface."""
    user = request.membership.user
    form = PreferencesForm(request.POST or None, initial={"language": user.language})
    if request.method == "POST" and form.is_valid():
        services.user_set_language(user=user, language=form.cleaned_data["language"])
        translation.activate(user.language or request.tenant.default_language)
        messages.success(request, _("Preferences saved."))
        return redirect("preferences", tenant_slug=request.tenant.slug)
    context = {
        "form": form,
        "workspace_language": request.tenant.get_default_language_display(),
        "two_factor_enabled": security.two_factor_enabled(user),
    }
    return render(request, "frontend/settings/preferences.html", context, status=400 if form.errors else 200)
