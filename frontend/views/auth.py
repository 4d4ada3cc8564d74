"""Signing up, signing in (with throttling and a second factor) and out, two-factor set-up,
choosing a workspace, and accepting an invitation."""

from __future__ import annotations

import time
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import security, selectors, services
from accounts.access import client_ip
from accounts.errors import ServiceError
from accounts.middleware import LAST_TENANT_SESSION_KEY
from accounts.models import Invitation, Role, User
from frontend.forms import AcceptInvitationForm, SignUpForm, TwoFactorCodeForm, WorkspaceForm
from whatsapp import selectors as whatsapp_selectors
from whatsapp.onboarding_policy import lands_on_wizard

# Between the password and the code: who passed the first step, where to go, and since when.
PENDING_LOGIN_SESSION_KEY = "pending_two_factor_login"
PENDING_LOGIN_TTL_SECONDS = 300


class LoginView(auth_views.LoginView):
    """The password step: refused unchecked while the account or address is locked out; every
    failure counted and recorded; people with two-factor on go on to the code step."""

    template_name = "frontend/auth/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            security.login_check_allowed(email=request.POST.get("username", ""), ip=client_ip(request))
        except ServiceError as error:
            # Unbound: a bound form would check the password as soon as the page asks for its errors.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            context = self.get_context_data(form=form, locked_out=error.message)
            return self.render_to_response(context, status=error.http_status)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if form.data.get("username") and form.data.get("password"):
            security.login_failed(email=str(form.data["username"]), ip=client_ip(self.request))
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if security.two_factor_enabled(user):
            self.request.session[PENDING_LOGIN_SESSION_KEY] = {
                "user_id": user.pk,
                "next": self.get_success_url(),
                "since": int(time.time()),
            }
            return redirect("login_two_factor")
        security.login_succeeded(user=user, ip=client_ip(self.request), two_factor=False)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "frontend/auth/password_reset_confirm.html"

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        security.password_reset_completed(user=form.user, ip=client_ip(self.request))
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if isinstance(request.user, User):
            security.logout_recorded(user=request.user, ip=client_ip(request))
        return super().post(request, *args, **kwargs)


def _pending_user(request: HttpRequest) -> tuple[User, str] | None:
    pending = request.session.get(PENDING_LOGIN_SESSION_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_LOGIN_TTL_SECONDS:
        return None
    user = User.objects.filter(pk=int(pending["user_id"]), is_active=True).first()
    return None if user is None else (user, str(pending.get("next", "")))


@require_http_methods(["GET", "POST"])
def login_two_factor(request: HttpRequest) -> HttpResponse:
    """The code step of signing in, for people with two-factor on."""
    pending = _pending_user(request)
    if pending is None:
        messages.error(request, _("Sign in again: the sign-in took too long or was not started."))
        return redirect("login")
    user, next_url = pending
    form = TwoFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        try:
            security.login_check_allowed(email=user.email, ip=ip)
        except ServiceError as error:
            form.add_error(None, error.message)
            status = error.http_status
        else:
            if security.two_factor_verify(user=user, code=form.cleaned_data["code"], now=timezone.now()):
                del request.session[PENDING_LOGIN_SESSION_KEY]
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                security.login_succeeded(user=user, ip=ip, two_factor=True)
                safe = url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
                return HttpResponseRedirect(next_url if safe and next_url else "/")
            security.login_failed(email=user.email, ip=ip)
            form.add_error(
                "code", _("That code is not right. Enter the 6 digits your app shows now, or a recovery code.")
            )
    if form.errors and status == 200:
        status = 400
    return render(request, "frontend/auth/login_two_factor.html", {"form": form}, status=status)


def _two_factor_manage(request: HttpRequest, user: User, *, next_url: str, required: bool) -> HttpResponse:
    """With two-factor on: new recovery codes, or (where no workspace requires it) turning it off;
    either needs a current code."""
    form = TwoFactorCodeForm(request.POST or None)
    context: dict[str, Any] = {"enabled": True, "next": next_url, "required": required, "form": form}
    action = request.POST.get("action")
    if request.method == "POST" and action in {"renew", "disable"} and form.is_valid():
        arguments = {"user": user, "code": form.cleaned_data["code"], "ip": client_ip(request), "now": timezone.now()}
        try:
            if action == "renew":
                context["recovery_codes"] = security.two_factor_recovery_codes_renew(**arguments)
                return render(request, "frontend/auth/two_factor.html", context)
            security.two_factor_disable(**arguments)
        except ServiceError as error:
            form.add_error("code", error.message)
            return render(request, "frontend/auth/two_factor.html", context, status=error.http_status)
        messages.success(request, _("Two-factor sign-in is off."))
        return redirect(next_url or "two_factor_setup")
    return render(request, "frontend/auth/two_factor.html", context, status=400 if form.errors else 200)


def _qr_data_uri(text: str) -> str:
    data_uri: str = segno.make(text, error="m").png_data_uri(scale=5, border=2)
    return data_uri


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponseBase:
    """Turn on two-factor sign-in: scan the QR code (or type the secret), confirm with a code,
    then keep the recovery codes, shown once."""
    user = request.user
    assert isinstance(user, User)
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    required = any(m.tenant.require_two_factor for m in selectors.memberships_of_user(user))
    if security.two_factor_enabled(user):
        return _two_factor_manage(request, user, next_url=next_url, required=required)
    device = security.two_factor_begin(user=user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery_codes = security.two_factor_confirm(
                user=user, code=form.cleaned_data["code"], ip=client_ip(request), now=timezone.now()
            )
        except ServiceError as error:
            form.add_error("code", error.message)
        else:
            context = {"enabled": True, "just_enabled": True, "recovery_codes": recovery_codes, "next": next_url}
            return render(request, "frontend/auth/two_factor.html", context)
    uri = security.two_factor_provisioning_uri(device)
    context = {
        "enabled": False,
        "form": form,
        "secret": device.secret,
        "qr_code": _qr_data_uri(uri),
        "next": next_url,
        "required": required,
    }
    return render(request, "frontend/auth/two_factor.html", context, status=400 if form.errors else 200)


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the inbox of the workspace last used (or the only one). Else: sign in."""
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = list(selectors.memberships_of_user(request.user))
    if not memberships:
        return redirect("workspaces")
    last = request.session.get(LAST_TENANT_SESSION_KEY)
    chosen = next((m for m in memberships if m.tenant.slug == last), memberships[0])
    if chosen.role == Role.OWNER:
        facts = whatsapp_selectors.onboarding_facts(tenant=chosen.tenant, now=timezone.now())
        if lands_on_wizard(facts, role=chosen.role):
            return redirect("setup", tenant_slug=chosen.tenant.slug)
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
            security.login_succeeded(user=user, ip=client_ip(request), two_factor=False)
            messages.success(request, _("Welcome! Your workspace %(name)s is ready.") % {"name": tenant.name})
            return redirect("setup", tenant_slug=tenant.slug)
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
            security.login_succeeded(user=membership.user, ip=client_ip(request), two_factor=False)
        else:
            membership = services.invitation_accept(invitation=invitation, user=user, ip=client_ip(request))
    except ServiceError as error:
        context["error"] = error.message
        return render(request, "frontend/auth/invitation_accept.html", context, status=error.http_status)
    messages.success(request, _("You joined %(name)s.") % {"name": membership.tenant.name})
    return redirect("inbox", tenant_slug=membership.tenant.slug)
