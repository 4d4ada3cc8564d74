"""An owner connects a WhatsApp number in a real browser and finds what to paste into Meta's app settings."""

import re

from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_team_and_keys import sign_in
from whatsapp.models import WhatsAppNumber

ACCESS_TOKEN = "EAAG-browser-access-token-42"


def test_owner_adds_a_number_and_sees_the_webhook_settings(page):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    sign_in(page, "owner@demo.test", "demo-owner-pass")
    page.get_by_role("link", name="WhatsApp numbers", exact=True).click()
    page.get_by_role("link", name="Add a number").first.click()
    expect(page.get_by_role("heading", name="Add a WhatsApp number")).to_be_visible()

    page.get_by_label("Display phone number").fill("+1 555 010 0123")
    page.get_by_label("Phone number id", exact=True).fill("1065-4035")  # a typo, corrected below
    page.get_by_label("WhatsApp Business Account id").fill("102290129340398")
    page.get_by_label("Access token").fill(ACCESS_TOKEN)
    page.get_by_label("Graph API version").fill("25")
    page.get_by_role("button", name="Connect number").click()
    expect(page.get_by_text("Use digits only (0–9), exactly as Meta shows the id.")).to_be_visible()
    expect(page.get_by_text("Write the version as v, a number, a dot and a number")).to_be_visible()
    screenshot(page, "number-add-error")
    assert ACCESS_TOKEN not in page.content()

    page.get_by_label("Phone number id", exact=True).fill("106540352242922")
    page.get_by_label("Access token").fill(ACCESS_TOKEN)
    page.get_by_label("Graph API version").fill("v25.0")
    page.get_by_role("button", name="Connect number").click()

    number = WhatsAppNumber.objects.unscoped().get(phone_number_id="106540352242922")
    expect(page).to_have_url(re.compile(rf"/settings/numbers/{number.pk}/$"))
    expect(page.get_by_text("+1 555 010 0123 is connected.")).to_be_visible()
    expect(page.get_by_label("Callback URL")).to_have_value(re.compile(r"^https?://[^/]+/webhooks/whatsapp/$"))
    expect(page.get_by_label("Verify token", exact=True).first).to_have_value(number.verify_token)
    assert ACCESS_TOKEN not in page.content()
    screenshot(page, "number-detail")

    page.get_by_role("link", name="WhatsApp numbers", exact=True).first.click()
    row = page.get_by_role("row", name=re.compile(r"\+1 555 010 0123"))
    expect(row).to_contain_text("106540352242922")
    expect(row).to_contain_text("active")
    screenshot(page, "numbers")
