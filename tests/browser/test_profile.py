"""An owner fills in the business profile (a field over its limit is refused), uploads a photo,
sees the phone preview with the blue check; builds a click-to-chat link whose QR code, as the
browser draws it, reads back as the link; and a customer opts in on the public page."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import httpx
import zxingcpp
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from inbox.models import ConsentEvent
from tests.browser.conftest import screenshot
from tests.browser.test_team_and_keys import sign_in
from tests.whatsapp.simulator_fixtures import simulator  # noqa: F401 (fixture)
from tests.whatsapp.test_profile import image_bytes

DEMO_PHONE_NUMBER_ID = "100000000000001"


def test_owner_sets_the_profile_and_shares_the_number(page, simulator, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setenv("SIM_PORT", str(urlsplit(simulator.url).port))
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    sign_in(page, "owner@demo.test", "demo-owner-pass")
    page.get_by_role("link", name="WhatsApp numbers", exact=True).click()
    page.get_by_role("link", name="+1 555 010 0100").first.click()
    page.get_by_role("link", name="Business profile").click()

    page.get_by_label("About").fill("x" * 140)
    expect(page.get_by_text("140 / 139")).to_be_visible()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("At most 139 characters (this is 140).")).to_be_visible()

    page.get_by_label("About").fill("Roasted in Berlin, delivered across Europe ☕")
    page.get_by_label("Description").fill(
        "Specialty coffee from our own roastery. Ask us about beans, brewing and orders."
    )
    page.get_by_label("Address").fill("1 Bean Street, 10115 Berlin")
    page.get_by_label("Email").fill("hello@demo-coffee.example")
    page.get_by_label("Website", exact=True).fill("https://demo-coffee.example")
    page.get_by_label("Category").select_option(label="Restaurant")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("The profile is saved at WhatsApp.")).to_be_visible()

    photo = tmp_path / "logo.png"
    photo.write_bytes(image_bytes(400, 400))
    page.get_by_label("Profile photo").set_input_files(str(photo))
    expect(page.locator("#phone-photo img")).to_have_attribute("src", re.compile(r"^blob:"))
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_text("The profile photo is set at WhatsApp.")).to_be_visible()

    httpx.post(
        f"{simulator.url}/_sim/numbers/{DEMO_PHONE_NUMBER_ID}/details",
        json={"verified_name": "Demo Coffee Roasters", "oba_status": "APPROVED"},
    ).raise_for_status()
    page.get_by_role("button", name="Read from WhatsApp").click()
    preview = page.locator(".phone")
    expect(preview.get_by_text("Official business account")).to_be_attached()
    expect(preview.get_by_text("Roasted in Berlin, delivered across Europe ☕")).to_be_visible()
    expect(preview.locator(".phone-photo img")).to_be_visible()
    screenshot(page, "business-profile")

    page.get_by_role("link", name="← +1 555 010 0100").click()
    page.get_by_role("link", name="Reach customers").click()
    page.get_by_label("Prefilled message").fill("Hi! I'd like to order 2 bags & a grinder")
    page.get_by_role("button", name="Update link").click()
    link = "https://wa.me/15550100100?text=Hi%21%20I%27d%20like%20to%20order%202%20bags%20%26%20a%20grinder"
    expect(page.get_by_label("Link", exact=True)).to_have_value(link)
    qr = page.locator("img.qr-preview")
    expect(qr).to_be_visible()
    drawn = Image.open(io.BytesIO(qr.screenshot()))
    assert [result.text for result in zxingcpp.read_barcodes(drawn)] == [link]
    screenshot(page, "reach-tools")
    page.get_by_role("heading", name="Website button").scroll_into_view_if_needed()
    screenshot(page, "reach-snippet")

    page.get_by_role("heading", name="Opt-in page").scroll_into_view_if_needed()
    screenshot(page, "reach-opt-in-settings")
    # The page's public address is PUBLIC_BASE_URL's; this test's server has another.
    opt_in_path = urlsplit(page.get_by_label("Page address").input_value()).path
    customer = page.context.browser.new_page(base_url=page.url)
    customer.goto(opt_in_path)
    customer.get_by_label("Your WhatsApp number").fill("+49 151 23456789")
    customer.get_by_role("button", name="Sign me up").click()
    expect(customer.get_by_text("Tick the box to agree to receive messages")).to_be_visible()
    screenshot(customer, "opt-in-page")
    assert not ConsentEvent.objects.unscoped().exists()
    customer.get_by_role("checkbox").check()
    customer.get_by_role("button", name="Sign me up").click()
    expect(customer.get_by_role("heading", name="You're signed up")).to_be_visible()
    event = ConsentEvent.objects.unscoped().get()
    assert event.proof.startswith("Yes, I want to receive messages from Demo Coffee Roasters")
    customer.close()
