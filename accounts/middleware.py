"""Resolve /t/<slug>/ to request.tenant and request.membership, and scope the request to it."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseBase

from accounts.models import Tenant
from accounts.selectors import membership_by_slug
from accounts.tenancy import tenant_scope

TENANT_PATH = re.compile(r"^/t/(?P<slug>[-a-zA-Z0-9_]+)/")
LAST_TENANT_SESSION_KEY = "last_tenant_slug"


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        match = TENANT_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        # Not a member and no such tenant look the same: 404, so slugs can't be probed.
        membership = membership_by_slug(slug=match["slug"], user=request.user)
        if membership is None:
            raise Http404("No such workspace.")
        tenant: Tenant = membership.tenant
        request.tenant = tenant  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        if request.session.get(LAST_TENANT_SESSION_KEY) != tenant.slug:
            request.session[LAST_TENANT_SESSION_KEY] = tenant.slug
        with tenant_scope(tenant):
            return self.get_response(request)
