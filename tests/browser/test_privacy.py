"""A contact's export and erasure in Chromium, on the real ASGI server: an admin exports the
contact's data and downloads it once, then erases the contact; an agent viewing the same
conversation sees it go, live."""

from __future__ import annotations

import re
import zipfile

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tenancy import tenant_scope
from inbox.models import Contact
from privacy.models import ContactExport
from privacy.services.exports import contact_export_build
from tests.browser.conftest import screenshot
from tests.browser.test_inbox import _orm_beside_playwright, agents  # noqa: F401 (fixtures)
from tests.browser.test_inbox_panel import conversation  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_exports_then_erases_a_contact_and_an_agent_sees_it_go(world, conversation, agents, tmp_path):  # noqa: F811
    sam, kim = agents(world.agent), agents(world.admin)
    url = f"/t/acme/inbox/{conversation.pk}/"
    sam.goto(url)
    kim.goto(url)
    expect(sam.locator("#conversation-panel")).to_be_visible()
    expect(sam.locator("#contact-privacy")).to_have_count(0)  # agents see no data protection tools
    section = kim.locator("#contact-privacy")
    expect(section.get_by_role("heading", name="Data protection")).to_be_visible()

    section.get_by_role("button", name="Export data").click()
    expect(section).to_contain_text("Preparing…")
    with tenant_scope(world.tenant):
        export = ContactExport.objects.get()
    contact_export_build(tenant_id=world.tenant.pk, export_id=export.pk, now=timezone.now())
    expect(section.get_by_role("link", name="Download once")).to_be_visible(timeout=8_000)  # polled
    section.locator("summary", has_text="Erase this contact").click()
    kim.locator("#panel-pane").evaluate("pane => { pane.scrollTop = pane.scrollHeight; }")
    screenshot(kim, "contact-privacy")

    with kim.expect_download() as download:
        section.get_by_role("link", name="Download once").click()
    path = tmp_path / "export.zip"
    download.value.save_as(path)
    assert "Where is my order #860198?" in zipfile.ZipFile(path).read("contact.json").decode()
    kim.reload()
    expect(kim.locator("#contact-privacy")).to_contain_text("Downloaded")

    section = kim.locator("#contact-privacy")
    section.locator("summary", has_text="Erase this contact").click()
    section.get_by_label("Type “erase” to confirm").fill("yes")
    section.get_by_role("button", name="Erase contact").click()
    expect(section.locator(".form-error")).to_contain_text("to confirm")
    section.get_by_label("Type “erase” to confirm").fill("erase")
    section.get_by_role("button", name="Erase contact").click()

    expect(kim).to_have_url(re.compile(r"/t/acme/inbox/$"))
    expect(kim.locator("body")).to_contain_text("were erased")
    # Sam's open thread closes, saying why, and its row leaves the list.
    expect(sam.locator("#thread-pane .erased-notice")).to_contain_text("was erased", timeout=8_000)
    expect(sam.locator(f"#conversation-{conversation.pk}")).to_have_count(0)
    screenshot(sam, "contact-erased-live")
    with tenant_scope(world.tenant):
        assert not Contact.objects.filter(pk=conversation.contact_id).exists()
