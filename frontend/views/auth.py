"""Signing up, signing in and out, choosing a workspace, and accepting an invitation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import selectors, services
from accounts.access import client_ip
from accounts.errors import ServiceError
from accounts.middleware import LAST_TENANT_SESSION_KEY
from accounts.models import Invitation, User
from frontend.forms import AcceptInvitationForm, SignUpForm, WorkspaceForm


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the inbox of the workspace last used (or the only one). Else: sign in."""
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = list(selectors.memberships_of_user(request.user))
    if not memberships:
        return redirect("workspaces")
    last = request.session.get(LAST_TENANT_SESSION_KEY)
    chosen = next((m for m in memberships if m.tenant.slug == last), memberships[0])
    return redirect("inbox", tenant_slug=chosen.tenant.slug)


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("workspaces")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenant = services.user_sign_up(
                email=data["email"],
                name=data["name"],
                password=data["password"],
                company_name=data["company_name"],
                ip=client_ip(request),
            )
        except ServiceError as error:
            form.add_error("email" if error.code == "email_taken" else None, error.message)
        else:
            user = User.objects.get(email=data["email"])
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your workspace %(name)s is ready.") % {"name": tenant.name})
            return redirect("inbox", tenant_slug=tenant.slug)
    return render(request, "frontend/auth/sign_up.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def workspaces(request: HttpRequest) -> HttpResponse:
    """The tenant switcher, and a form to start another workspace."""
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant = services.tenant_create(
                name=form.cleaned_data["name"],
                owner=request.user,  # type: ignore[arg-type]
                ip=client_ip(request),
            )
        except ServiceError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("Workspace %(name)s created.") % {"name": tenant.name})
            return redirect("inbox", tenant_slug=tenant.slug)
    memberships = selectors.memberships_of_user(request.user)  # type: ignore[arg-type]
    return render(request, "frontend/auth/workspaces.html", {"form": form, "memberships": memberships})


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        reason = _("This invitation link is not valid.")
        return render(request, "frontend/auth/invitation_invalid.html", {"reason": reason}, status=404)
    try:
        services.invitation_check_open(invitation, now=timezone.now())
    except ServiceError as error:
        return render(request, "frontend/auth/invitation_invalid.html", {"reason": error.message}, status=410)
    has_account = request.user.is_authenticated or User.objects.filter(email=invitation.email).exists()
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    context: dict[str, Any] = {"invitation": invitation, "form": form, "has_account": has_account, "error": None}
    if request.method == "POST":
        return _accept_invitation(request, invitation, form, context)
    return render(request, "frontend/auth/invitation_accept.html", context)


def _accept_invitation(
    request: HttpRequest, invitation: Invitation, form: AcceptInvitationForm, context: dict[str, Any]
) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    if user is None and context["has_account"]:
        # They must sign in as themselves first; the login page brings them back here.
        return redirect_to_login(request.path)
    if user is None and not form.is_valid():
        return render(request, "frontend/auth/invitation_accept.html", context, status=400)
    try:
        if user is None:
            membership = services.invitation_accept_new_user(
                invitation=invitation,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        else:
            membership = services.invitation_accept(invitation=invitation, user=user, ip=client_ip(request))
    except ServiceError as error:
        context["error"] = error.message
        return render(request, "frontend/auth/invitation_accept.html", context, status=error.http_status)
    messages.success(request, _("You joined %(name)s.") % {"name": membership.tenant.name})
    return redirect("inbox", tenant_slug=membership.tenant.slug)
