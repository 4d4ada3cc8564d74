"""Error pages: JSON envelopes under /api/ and /webhooks/, pages elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts import security
from accounts.access import client_ip
from accounts.api.errors import json_error
from accounts.models import Membership

_MACHINE_PREFIXES = ("/api/", "/webhooks/")


def _respond(request: HttpRequest, *, status: int, code: str, title: str, text: str) -> HttpResponse:
    if request.path.startswith(_MACHINE_PREFIXES):
        return json_error(code, text, status)
    context = {"status": status, "title": title, "text": text}
    if status >= 500:
        # Rendered without the request's context processors: they may need what just failed.
        return HttpResponse(render_to_string("frontend/errors/error.html", context), status=status)
    return render(request, "frontend/errors/error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(
        request, status=400, code="bad_request", title=_("Bad request"), text=_("The request could not be understood.")
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is not None:  # a member refused something in their workspace: on record
        security.permission_denied_record(
            tenant_id=membership.tenant_id,
            role=membership.role,
            user=membership.user,
            ip=client_ip(request),
            method=request.method or "",
            path=request.path,
        )
    return _respond(
        request,
        status=403,
        code="permission_denied",
        title=_("Not allowed"),
        text=_("Your role does not allow this. Ask an admin of this workspace."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without its CSRF token (open too long, or sent from another site)."""
    return _respond(
        request,
        status=403,
        code="csrf_failed",
        title=_("This form has expired"),
        text=_("The page was open too long, or the form came from another site. Reload the page and try again."),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, status=404, code="not_found", title=_("Not found"), text=_("There is nothing here."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _respond(
        request,
        status=500,
        code="server_error",
        title=_("Something went wrong"),
        text=_("We could not complete this request. Try again in a moment."),
    )
