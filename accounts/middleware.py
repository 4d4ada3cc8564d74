"""Resolve /t/<slug>/ to request.tenant and request.membership, and scope the request to it;
choose the interface's language."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends.base import SessionBase
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils import translation

from accounts import policy
from accounts.models import Tenant
from accounts.security import two_factor_satisfied
from accounts.selectors import membership_by_slug
from accounts.tenancy import tenant_scope

TENANT_PATH = re.compile(r"^/t/(?P<slug>[-a-zA-Z0-9_]+)/")
# Machine-facing paths answer in English whatever the client's Accept-Language, so their
# messages stay the same for every integration (error codes are stable anyway).
ENGLISH_ONLY_PATHS = ("/api/", "/webhooks/", "/healthz")
LAST_TENANT_SESSION_KEY = "last_tenant_slug"


SESSION_SIGNED_IN_KEY = "signed_in_at"
SESSION_SEEN_KEY = "seen_at"
# The last request's time is written to the session at most this often (not a write per request).
SEEN_RESOLUTION_SECONDS = 60


def session_is_over(session: SessionBase, *, now: float) -> bool:
    """Whether a signed-in session has been idle for SESSION_COOKIE_AGE, or began more than
    SESSION_MAX_AGE_SECONDS ago; a session without the times (signed in before they were kept)
    is not over: they start now."""
    signed_in_at = session.get(SESSION_SIGNED_IN_KEY)
    last_seen_at = session.get(SESSION_SEEN_KEY)
    if not isinstance(signed_in_at, int | float) or not isinstance(last_seen_at, int | float):
        return False
    return policy.session_expired(
        signed_in_at=signed_in_at,
        last_seen_at=last_seen_at,
        now=now,
        idle_seconds=settings.SESSION_COOKIE_AGE,
        max_seconds=settings.SESSION_MAX_AGE_SECONDS,
    )


class SessionExpiryMiddleware:
    """Sign out a session that is over (`session_is_over`). Noting the last request (once a
    minute) saves the session, which renews its cookie: an idle browser also loses it. Goes
    after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            last_seen_at = session.get(SESSION_SEEN_KEY)
            if session_is_over(session, now=now):
                logout(request)  # the session's data goes; the pages then ask to sign in again
            elif not isinstance(last_seen_at, int | float) or SESSION_SIGNED_IN_KEY not in session:
                session[SESSION_SIGNED_IN_KEY] = session[SESSION_SEEN_KEY] = now
            elif now - last_seen_at >= SEEN_RESOLUTION_SECONDS:
                session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


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
        if not two_factor_satisfied(membership):
            # Before anything else in this workspace: set up the second factor.
            return redirect_to_login(request.get_full_path(), reverse("two_factor_setup"))
        request.tenant = tenant  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        if request.session.get(LAST_TENANT_SESSION_KEY) != tenant.slug:
            request.session[LAST_TENANT_SESSION_KEY] = tenant.slug
        with tenant_scope(tenant):
            return self.get_response(request)


class LanguageMiddleware:
    """Activate the interface's language: the person's own choice, else their workspace's
    default (on its pages), else what LocaleMiddleware took from the browser.

    Goes after TenantMiddleware, so `request.tenant` is known on a workspace's pages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        language = self._chosen_language(request)
        if not language:
            return self.get_response(request)
        # Only for this request: the thread's language goes back to what it was afterwards.
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        # Set here, as LocaleMiddleware would otherwise label it with the language restored above.
        response.headers["Content-Language"] = language
        return response

    @staticmethod
    def _chosen_language(request: HttpRequest) -> str:
        if request.path_info.startswith(ENGLISH_ONLY_PATHS):
            return "en"
        user_language: str = getattr(request.user, "language", "") if hasattr(request, "user") else ""
        if user_language:
            return user_language
        tenant: Tenant | None = getattr(request, "tenant", None)
        return tenant.default_language if tenant is not None else ""
