"""Security headers and cookie flags on real responses; CSRF on every cookie-authenticated
form; `check --deploy` clean with the production settings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import PASSWORD
from tests.config.test_deployment import PRODUCTION_VARIABLES, manage
from tests.conftest import page_text
from tests.isolation.test_isolation import TENANT_PAGES, route_keywords

ROOT = Path(__file__).resolve().parents[2]


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize("url", ["/accounts/login/", "/t/acme/inbox/", "/t/acme/settings/audit-log/"])
def test_pages_forbid_inline_scripts_framing_and_sniffing(world, url):
    client = Client() if url.startswith("/accounts/") else world.client_for(world.owner)
    response = client.get(url)
    assert response.status_code == 200
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_api_answers_carry_the_same_headers(world):
    response = world.api_client().get("/api/v1/tenant/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_session_and_csrf_cookies_are_httponly_and_samesite(world):
    client = Client()
    login_page = client.get("/accounts/login/")
    csrf = login_page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"
    response = client.post("/accounts/login/", {"username": world.agent.user.email, "password": PASSWORD})
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert session["path"] == "/"


# Run inside the production settings: a real page over HTTPS, and the same page over HTTP.
# (Only the static files' storage is swapped: the manifest needs a collectstatic.)
PRODUCTION_PROBE = """
import json
from django.test import Client
from django.test.utils import override_settings
storages = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=storages):
    secure = Client().get("/accounts/login/", secure=True, HTTP_HOST="inbox.example.com")
plain = Client().get("/accounts/login/", HTTP_HOST="inbox.example.com")
csrf = secure.cookies["csrftoken"]
print(json.dumps({"status": secure.status_code, "hsts": secure.headers.get("Strict-Transport-Security"),
                  "csp": secure.headers.get("Content-Security-Policy"), "csrf_secure": bool(csrf["secure"]),
                  "redirect": [plain.status_code, plain.headers.get("Location")]}))
"""


def test_production_answers_with_hsts_secure_cookies_and_redirects_to_https():
    result = manage("shell", "-c", PRODUCTION_PROBE, **PRODUCTION_VARIABLES)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert answer["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in answer["csp"]
    assert answer["csrf_secure"] is True
    assert answer["redirect"] == [301, "https://inbox.example.com/accounts/login/"]


def tenant_post_urls(world) -> list[str]:
    urls = []
    for name, methods in TENANT_PAGES.items():
        if "POST" not in methods:
            continue
        # Any id: CSRF is checked before the view looks anything up.
        kwargs = {key: 1 for key in route_keywords(name) if key != "tenant_slug"}
        urls.append(reverse(name, kwargs={"tenant_slug": world.tenant.slug, **kwargs}))
    return urls


def test_every_form_of_a_signed_in_member_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner.user)
    refused = {url: client.post(url, {"name": "Probe"}).status_code for url in tenant_post_urls(world)}
    assert refused
    assert {url: code for url, code in refused.items() if code != 403} == {}


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/logout/", "/accounts/signup/", "/accounts/two-factor/"])
def test_account_forms_need_the_csrf_token(world, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner.user)
    assert client.post(url, {"username": world.owner.user.email, "password": PASSWORD}).status_code == 403


def test_a_form_without_its_token_gets_a_page_that_says_what_to_do(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin.user)
    response = client.post("/t/acme/settings/api-keys/", {"name": "CRM"})
    assert response.status_code == 403
    assert "Reload the page and try again." in page_text(response)


def test_the_api_ignores_the_session_cookie(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner.user)
    response = client.post("/api/v1/contacts/", {"phone": "+49 151 23456789"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*)\s*=\s*["']""", re.IGNORECASE)
JS_VALUES = re.compile(r"""hx-vals\s*=\s*['"]\s*js:|javascript:""", re.IGNORECASE)


def test_no_template_runs_inline_script():
    found = []
    for template in sorted(ROOT.glob("*/templates/**/*.html")):
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JS_VALUES):
            found += [f"{template.relative_to(ROOT)}: {m.group(0).strip()}" for m in pattern.finditer(text)]
    assert found == [], "move these into static JS files (the CSP forbids inline script):\n" + "\n".join(found)


def test_a_post_to_an_unknown_api_route_gets_the_envelope_not_a_csrf_page(world):
    response = world.api_client().post("/api/v1/contacts/-1/opt-out/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
