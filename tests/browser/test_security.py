"""In a real browser: two-factor set-up and sign-in, and the filtered audit log (the page
fixture fails any test whose pages the CSP had to block)."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_team_and_keys import sign_in


def test_an_owner_turns_on_two_factor_and_signs_in_with_a_code(page):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    sign_in(page, "owner@demo.test", "demo-owner-pass")
    # The demo number has had no webhook yet: its owner starts in the onboarding wizard.
    expect(page).to_have_url(re.compile(r"/setup/$"))

    page.get_by_role("link", name="Your preferences").click()
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    qr_code = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("img => img.naturalWidth") > 0  # the image itself loaded (CSP allows data:)
    screenshot(page, "two-factor-setup")
    secret = page.locator("code.secret-key").inner_text()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    screenshot(page, "two-factor-recovery-codes")

    page.get_by_role("link", name="Continue").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "owner@demo.test", "demo-owner-pass")
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    screenshot(page, "two-factor-code")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30)))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/setup/$"))

    for link in ("API keys", "Audit log", "WhatsApp numbers"):
        page.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/settings/numbers/"))
    page.get_by_role("link", name="Audit log", exact=True).click()
    page.get_by_label("Action").fill("auth.")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("auth.two_factor_enabled")).to_be_visible()
    screenshot(page, "audit-log-filtered")


def test_the_api_documentation_runs_under_the_csp(page):
    page.goto("/api/v1/docs/")
    expect(page.get_by_role("heading", name=re.compile("Relay API"))).to_be_visible()
    expect(page.get_by_text("/api/v1/contacts/", exact=True).first).to_be_visible()
