"""Settings pages of a tenant's WhatsApp numbers: list, connect, change, disable and enable.

Secrets (access token, app secret) go in and are never shown again, not even after an error.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import TenantRequest, actor_for, role_required
from accounts.errors import ConflictError, ServiceError
from accounts.models import Role
from frontend.forms import WhatsAppNumberForm
from whatsapp.models import WhatsAppNumber
from whatsapp.services.numbers import number_connect, number_set_active, number_update

SECRET_FIELDS = ("access_token", "app_secret")
# How often a page waiting for a number's first webhook asks whether it arrived.
WEBHOOK_POLL_SECONDS = 2


def webhook_url() -> str:
    """Where Meta posts this app's webhooks: one URL for every number of every tenant."""
    base: str = settings.PUBLIC_BASE_URL
    return f"{base.rstrip('/')}/webhooks/whatsapp/"


@role_required(Role.ADMIN)
def number_list(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    numbers = WhatsAppNumber.objects.order_by("display_phone_number", "pk")
    return render(request, "frontend/settings/numbers.html", {"numbers": numbers})


@sensitive_post_parameters(*SECRET_FIELDS)
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def number_add(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    form = WhatsAppNumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            number = number_connect(tenant=request.tenant, actor=actor_for(request), details=form.details())
        except ConflictError as error:
            form.add_error("phone_number_id", error.message)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(number)s is connected. Now enter the webhook URL and verify token below in your Meta app.")
                % {"number": number.display_phone_number},
            )
            return redirect("settings_number", tenant_slug=request.tenant.slug, number_id=number.pk)
    return render(request, "frontend/settings/numbers_add.html", {"form": form}, status=400 if form.errors else 200)


@sensitive_post_parameters(*SECRET_FIELDS)
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def number_detail(request: TenantRequest, tenant_slug: str, number_id: int) -> HttpResponse:
    number = get_object_or_404(WhatsAppNumber.objects, pk=number_id)
    form = WhatsAppNumberForm(request.POST or None, number=number)
    if request.method == "POST" and form.is_valid():
        try:
            number_update(number=number, actor=actor_for(request), details=form.details())
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("settings_number", tenant_slug=request.tenant.slug, number_id=number.pk)
        # The failed update may have changed the object in memory: show what is stored.
        number.refresh_from_db()
    context = {
        "number": number,
        "form": form,
        "webhook_url": webhook_url(),
        "poll_seconds": WEBHOOK_POLL_SECONDS,
        "has_own_app_secret": bool(number.app_secret),
    }
    return render(request, "frontend/settings/numbers_detail.html", context, status=400 if form.errors else 200)


def _set_active(request: TenantRequest, number_id: int, *, active: bool) -> HttpResponse:
    number = get_object_or_404(WhatsAppNumber.objects, pk=number_id)
    try:
        number_set_active(number=number, actor=actor_for(request), active=active)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        label = {"number": number.display_phone_number}
        if active:
            messages.success(request, _("%(number)s is enabled: it sends messages again.") % label)
        else:
            messages.success(
                request,
                _("%(number)s is disabled: it sends nothing; messages customers send to it are still kept.") % label,
            )
    return redirect("settings_number", tenant_slug=request.tenant.slug, number_id=number.pk)


@role_required(Role.ADMIN)
@require_POST
def number_disable(request: TenantRequest, tenant_slug: str, number_id: int) -> HttpResponse:
    return _set_active(request, number_id, active=False)


@role_required(Role.ADMIN)
@require_POST
def number_enable(request: TenantRequest, tenant_slug: str, number_id: int) -> HttpResponse:
    return _set_active(request, number_id, active=True)
