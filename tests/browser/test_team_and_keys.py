"""The demo owner's first minutes, in a real browser: sign in, invite a colleague, create a key, use it."""

import re

import httpx
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import ApiKey, Invitation
from tests.browser.conftest import screenshot


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_owner_signs_in_invites_a_colleague_and_uses_a_new_api_key(page, asgi_server):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    page.goto("/accounts/login/")
    screenshot(page, "login")
    sign_in(page, "owner@demo.test", "demo-owner-pass")
    # The demo number has had no webhook yet: its owner starts in the onboarding wizard, there.
    expect(page).to_have_url(re.compile(r"/t/demo-coffee-roasters/setup/$"))
    expect(page.get_by_role("heading", name="Connect a WhatsApp number")).to_be_visible()
    page.get_by_role("link", name="Go to the inbox").click()
    expect(page.get_by_role("heading", name="No conversations yet")).to_be_visible()

    page.get_by_role("link", name="Team", exact=True).click()
    page.get_by_label("Email address").fill("barista@demo.test")
    page.get_by_label("Role", exact=True).select_option("admin")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to barista@demo.test.")).to_be_visible()
    expect(page.get_by_role("cell", name="barista@demo.test")).to_be_visible()
    screenshot(page, "team")
    assert Invitation.objects.for_tenant(Invitation.objects.unscoped().get().tenant_id).get().role == "admin"

    page.get_by_role("link", name="API keys", exact=True).click()
    page.get_by_label("Key name").fill("CRM sync")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_label("New API key").input_value()
    assert secret.startswith("wai_")
    screenshot(page, "api-keys")

    response = httpx.get(f"{asgi_server.url}/api/v1/tenant/", headers={"Authorization": f"Bearer {secret}"})
    assert response.json()["tenant"]["name"] == "Demo Coffee Roasters"

    page.reload()  # the key is never shown again, and reloading creates no second key
    expect(page.get_by_label("New API key")).to_have_count(0)
    expect(page.get_by_role("row", name=re.compile("CRM sync"))).to_contain_text("active")
    assert ApiKey.objects.unscoped().count() == 1

    page.get_by_role("link", name="Audit log", exact=True).click()
    expect(page.get_by_text("api_key.created")).to_be_visible()
    expect(page.get_by_text("invitation.created")).to_be_visible()
    screenshot(page, "audit-log")


def test_agent_sees_the_inbox_but_no_settings(page):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    sign_in(page, "agent@demo.test", "demo-agent-pass")
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(page.get_by_role("link", name="Team", exact=True)).to_have_count(0)
    response = page.goto("/t/demo-coffee-roasters/settings/team/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_sign_up_in_the_browser_shows_field_errors_then_succeeds(page):
    page.goto("/accounts/signup/")
    page.get_by_label("Company name").fill("Fay's Bikes")
    page.get_by_label("Your name").fill("Fay")
    page.get_by_label("Work email").fill("fay@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_text("This password is too short.")).to_be_visible()
    screenshot(page, "sign-up-error")
    page.get_by_label("Password").fill("pedals-and-gears-42")
    page.get_by_role("button", name="Create workspace").click()
    expect(page).to_have_url(re.compile(r"/t/fays-bikes/setup/$"))
    expect(page.get_by_text("Welcome! Your workspace Fay's Bikes is ready.")).to_be_visible()
