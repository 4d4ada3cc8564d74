"""A member's notifications: what the product told them (Meta's decisions on templates...)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import selectors
from accounts.access import TenantRequest
from accounts.services import notifications_mark_read

PAGE_SIZE = 100


@require_http_methods(["GET", "POST"])
def notification_list(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    """GET lists them, newest first; POST marks them all read."""
    if request.method == "POST":
        notifications_mark_read(tenant_id=request.tenant.pk, user=request.membership.user, now=timezone.now())
        return redirect("notifications", tenant_slug=request.tenant.slug)
    items = list(selectors.notifications(tenant=request.tenant, user=request.membership.user)[:PAGE_SIZE])
    return render(request, "frontend/notifications.html", {"notifications": items})
