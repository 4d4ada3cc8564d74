"""A new company goes through the onboarding wizard in a real browser against the simulator: the
company details, a number whose connection test first fails with Meta's own error (a bad token)
and then shows the verified name, quality and messaging limit, the step ticking by itself when the
simulator's signed webhook arrives, and a first template from the library in one click."""

from __future__ import annotations

import re
import threading

import httpx
from django.conf import settings
from playwright.sync_api import expect

from templates_mgmt.models import MessageTemplate
from tests.browser.conftest import screenshot
from tests.whatsapp.simulator_fixtures import simulator  # noqa: F401 (fixture)
from whatsapp.models import WhatsAppNumber
from whatsapp.services import ingest

PHONE_NUMBER_ID = "106540352242922"
GOOD_TOKEN = "EAAG-the-right-token"


def test_a_new_company_sets_up_its_workspace(page, asgi_server, simulator):  # noqa: F811
    simulator.config.accepted_tokens = {GOOD_TOKEN}
    simulator.config.webhook_url = f"{asgi_server.url}/webhooks/whatsapp/"
    simulator.config.app_secret = settings.WHATSAPP_APP_SECRET
    httpx.post(
        f"{simulator.url}/_sim/numbers/{PHONE_NUMBER_ID}/details",
        json={"verified_name": "Fay's Bikes", "quality_rating": "GREEN", "messaging_limit": "TIER_2K"},
    ).raise_for_status()

    page.goto("/accounts/signup/")
    page.get_by_label("Company name").fill("Fay's Bikes")
    page.get_by_label("Your name").fill("Fay Fahrrad")
    page.get_by_label("Work email").fill("fay@bikes.example")
    page.get_by_label("Password").fill("pedals-and-gears-42")
    page.get_by_role("button", name="Create workspace").click()
    expect(page).to_have_url(re.compile(r"/t/fays-bikes/setup/$"))
    expect(page.get_by_role("heading", name="Company details")).to_be_visible()

    page.get_by_label("Legal name").fill("Fay's Bikes GmbH")
    page.get_by_label("Country").select_option(label="Germany")
    page.get_by_label("VAT number").fill("DE 1234")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("This is not the form of a VAT number of that country")).to_be_visible()
    screenshot(page, "onboarding-company-error")
    page.get_by_label("VAT number").fill("DE 123 456 789")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(re.compile(r"/setup/number/$"))
    expect(page.locator(".wizard-steps li.done")).to_have_count(1)

    page.get_by_label("Display phone number").fill("+49 30 1234567")
    page.get_by_label("Phone number id", exact=True).fill(PHONE_NUMBER_ID)
    page.get_by_label("WhatsApp Business Account id").fill("102290129340398")
    page.get_by_label("Access token").fill("EAAG-a-token-pasted-wrong")
    page.get_by_label("Graph API base URL").fill(simulator.url)
    page.get_by_role("button", name="Connect number").click()
    expect(page.get_by_text("Waiting for the first webhook…")).to_be_visible()

    page.get_by_role("button", name="Test connection").click()
    error = page.locator(".connection-error")
    expect(error).to_contain_text("Invalid OAuth access token.")
    expect(error).to_contain_text("190")
    screenshot(page, "onboarding-connection-error")

    page.get_by_role("link", name="Change the number's settings").click()
    page.get_by_label("Access token").fill(GOOD_TOKEN)
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("link", name="Set up", exact=True).click()
    expect(page).to_have_url(re.compile(r"/setup/$"))
    page.get_by_role("button", name="Test connection").click()
    result = page.locator(".connection-ok")
    expect(result).to_contain_text("Fay's Bikes")
    expect(result).to_contain_text("GREEN")
    expect(result).to_contain_text("TIER_2K")
    expect(page.locator("#verify-token")).to_have_value(WhatsAppNumber.objects.unscoped().get().verify_token)

    # The customer's phone (the simulator) writes; its signed webhook reaches the server, and a
    # worker (played here by a thread) processes it: the waiting notice turns into a tick by itself.
    sent = httpx.post(
        f"{simulator.url}/_sim/inbound",
        json={"phone_number_id": PHONE_NUMBER_ID, "from": "4915112345678", "name": "Jürgen",
              "message": {"type": "text", "text": {"body": "Hallo, habt ihr Lastenräder?"}}},
    ).json()  # fmt: skip
    assert sent["webhook_status"] == 200, sent
    worker = threading.Thread(target=ingest.drain)
    worker.start()
    worker.join()
    expect(page.get_by_text("Webhooks arrive.")).to_be_visible(timeout=10_000)
    # The step list beside it ticks the number step at the same moment, without a reload.
    expect(page.locator(".wizard-steps li.done")).to_have_count(2)
    expect(page.locator(".wizard-steps li.current.done")).to_contain_text("Connect a WhatsApp number")
    page.locator("#webhook-status").scroll_into_view_if_needed()
    screenshot(page, "onboarding-number")

    page.get_by_role("link", name="Continue").click()
    expect(page.locator(".wizard-steps li.done")).to_have_count(2)
    expect(page.get_by_role("heading", name="Business profile")).to_be_visible()
    page.get_by_role("link", name="A first message template").click()
    page.locator(".wizard-library li").first.get_by_role("button", name="Add").click()
    expect(page).to_have_url(re.compile(r"/setup/template/$"))
    expect(page.get_by_text("Added and submitted for review")).to_be_visible()
    expect(page.locator(".wizard-steps li.done")).to_have_count(3)
    assert MessageTemplate.objects.unscoped().count() == 1
    screenshot(page, "onboarding-template")

    page.get_by_role("link", name="Go to the inbox").click()
    checklist = page.locator(".setup-checklist")
    expect(checklist.get_by_role("link", name="Business profile")).to_be_visible()
    expect(checklist.get_by_text("Connect a WhatsApp number")).to_be_visible()
    screenshot(page, "onboarding-checklist")
